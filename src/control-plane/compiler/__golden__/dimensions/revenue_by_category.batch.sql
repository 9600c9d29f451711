CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

-- The source name is bound to the master snapshot below the cutover, one row per sale_id.

CREATE TEMPORARY VIEW `sales` AS
SELECT `sale_id`, `product_id`, `amount`, `event_time` FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `sale_id` ORDER BY `event_time`) AS lambdalake_occurrence
  FROM `lake`.`lambdalake`.`sales_master` /*+ OPTIONS('snapshot-id' = '7393955914635036011') */
  WHERE `event_time` < TIMESTAMP '2026-11-24 00:00:00.000'
) WHERE lambdalake_occurrence = 1;

-- Dimension products: the newest row per product_id at snapshot 1234, pinned with the fact master.
CREATE TEMPORARY VIEW `products` AS
SELECT `product_id`, `category`, `updated_at` FROM (
  SELECT `product_id`, `category`, `updated_at`, ROW_NUMBER() OVER (PARTITION BY `product_id` ORDER BY `updated_at` DESC) AS lambdalake_latest
  FROM `lake`.`lambdalake`.`products_master` /*+ OPTIONS('snapshot-id' = '1234') */
) WHERE lambdalake_latest = 1;

INSERT OVERWRITE `lake`.`lambdalake`.`revenue_by_category__v4d784cd7`
SELECT `hour`, `category`, `revenue`, `sales` FROM (
SELECT
  CAST(FLOOR(s.event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  p.category,
  SUM(s.amount) AS revenue,
  COUNT(*) AS sales
FROM sales s
JOIN products p ON p.product_id = s.product_id
GROUP BY FLOOR(s.event_time TO HOUR), p.category
) AS lambdalake_metric;