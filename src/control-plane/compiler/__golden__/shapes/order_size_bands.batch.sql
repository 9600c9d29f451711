CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

-- The source name is bound to the master snapshot below the cutover, one row per order_id.

CREATE TEMPORARY VIEW `orders` AS
SELECT `order_id`, `user_id`, `product`, `amount`, `event_time` FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `order_id` ORDER BY `event_time`) AS lambdalake_occurrence
  FROM `lake`.`lambdalake`.`orders_master` /*+ OPTIONS('snapshot-id' = '7393955914635036011') */
  WHERE `event_time` < TIMESTAMP '2026-11-24 00:00:00.000'
) WHERE lambdalake_occurrence = 1;

INSERT OVERWRITE `lake`.`lambdalake`.`order_size_bands__v1b3bd1c0`
SELECT `hour`, `band`, `orders` FROM (
SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  CASE WHEN amount >= 50 THEN 'large' ELSE 'small' END AS band,
  COUNT(*) AS orders
FROM orders
GROUP BY FLOOR(event_time TO HOUR), CASE WHEN amount >= 50 THEN 'large' ELSE 'small' END
) AS lambdalake_metric;