SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  COUNT(*) FILTER (WHERE action = 'view') AS product_views,
  COUNT(*) FILTER (WHERE action = 'cart') AS cart_views,
  COUNT(*) FILTER (WHERE action = 'purchase') AS purchases
FROM page_views
GROUP BY FLOOR(event_time TO HOUR)
