SELECT hour, product, revenue, orders FROM batch WHERE hour < $cutover
UNION ALL
SELECT hour, product, revenue, orders FROM speed WHERE hour >= $cutover