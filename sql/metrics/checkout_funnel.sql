SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  COUNT(*) FILTER (WHERE action = 'view') AS views,
  COUNT(*) FILTER (WHERE action = 'cart') AS carts,
  COUNT(*) FILTER (WHERE action = 'purchase') AS purchases
FROM page_views
GROUP BY FLOOR(event_time TO HOUR)
