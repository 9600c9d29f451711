SELECT
  CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS `day`,
  country,
  COUNT(DISTINCT user_id) AS active_users
FROM page_views
GROUP BY FLOOR(event_time TO DAY), country
