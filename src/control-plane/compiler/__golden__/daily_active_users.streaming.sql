CREATE TEMPORARY TABLE `page_views` (
  `event_id` STRING,
  `user_id` STRING,
  `country` STRING,
  `page` STRING,
  `action` STRING,
  `event_time` TIMESTAMP(3),
  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'page_views',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'format' = 'json',
  'properties.group.id' = 'lambdalake-speed-daily_active_users-vc5f69074',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795477800000'
);

CREATE TEMPORARY TABLE `daily_active_users__speed` (
  `day` TIMESTAMP(3),
  `country` STRING,
  `active_users` BIGINT,
  PRIMARY KEY (`day`, `country`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.daily_active_users.vc5f69074',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'key.json.timestamp-format.standard' = 'ISO-8601',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `daily_active_users__speed`
SELECT `day`, `country`, `active_users` FROM (
SELECT
  CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS `day`,
  country,
  COUNT(DISTINCT user_id) AS active_users
FROM page_views
GROUP BY FLOOR(event_time TO DAY), country
) AS lambdalake_metric;