CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

-- The source name is bound to the master snapshot below the cutover, one row per event_id.

CREATE TEMPORARY VIEW `page_views` AS
SELECT `event_id`, `user_id`, `country`, `page`, `action`, `event_time` FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `event_id` ORDER BY `event_time`) AS lambdalake_occurrence
  FROM `lake`.`lambdalake`.`page_views_master` /*+ OPTIONS('snapshot-id' = '7393955914635036011') */
  WHERE `event_time` < TIMESTAMP '2026-11-24 00:00:00.000'
) WHERE lambdalake_occurrence = 1;

INSERT OVERWRITE `lake`.`lambdalake`.`hourly_views_by_country__vc734e625`
SELECT `hour`, `country`, `view_count` FROM (
WITH bucketed AS (
  SELECT FLOOR(pv.event_time TO HOUR) AS h, pv.country
  FROM page_views AS pv
)
SELECT CAST(h AS TIMESTAMP(3)) AS `hour`, country, COUNT(*) AS view_count
FROM bucketed
GROUP BY h, country
) AS lambdalake_metric;