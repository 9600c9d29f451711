SELECT hour, product_views, cart_views, purchases FROM batch WHERE hour < $cutover
UNION ALL
SELECT hour, product_views, cart_views, purchases FROM speed WHERE hour >= $cutover