CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

-- The source name is bound to the master snapshot below the cutover, one row per order_id.

CREATE TEMPORARY VIEW `orders` AS
SELECT `order_id`, `user_id`, `product`, `amount`, `event_time` FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `order_id` ORDER BY `event_time`) AS lambdalake_occurrence
  FROM `lake`.`lambdalake`.`orders_master` /*+ OPTIONS('snapshot-id' = '7393955914635036011') */
  WHERE `event_time` < TIMESTAMP '2026-11-24 00:00:00.000'
) WHERE lambdalake_occurrence = 1;

INSERT OVERWRITE `lake`.`lambdalake`.`weekly_orders__ved8f754e`
SELECT `week`, `product`, `orders` FROM (
-- TUMBLE windows are aligned to the epoch (a Thursday): the 4-day offset starts them on Mondays.
SELECT window_start AS week, product, COUNT(*) AS orders
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '7' DAY, INTERVAL '4' DAY))
GROUP BY window_start, window_end, product
) AS lambdalake_metric;