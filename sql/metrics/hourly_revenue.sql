SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  product,
  SUM(amount) AS revenue,
  COUNT(*) AS orders
FROM orders
GROUP BY FLOOR(event_time TO HOUR), product
