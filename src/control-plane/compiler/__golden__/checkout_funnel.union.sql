SELECT hour, views, carts, purchases FROM batch WHERE hour < $cutover
UNION ALL
SELECT hour, views, carts, purchases FROM speed WHERE hour >= $cutover