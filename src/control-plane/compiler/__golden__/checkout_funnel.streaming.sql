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
  'properties.group.id' = 'lambdalake-speed-checkout_funnel-v92d4851e',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795477800000'
);

CREATE TEMPORARY TABLE `checkout_funnel__speed` (
  `hour` TIMESTAMP(3),
  `product_views` BIGINT,
  `cart_views` BIGINT,
  `purchases` BIGINT,
  PRIMARY KEY (`hour`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.checkout_funnel.v92d4851e',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'key.json.timestamp-format.standard' = 'ISO-8601',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `checkout_funnel__speed`
SELECT `hour`, `product_views`, `cart_views`, `purchases` FROM (
SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  COUNT(*) FILTER (WHERE action = 'view') AS product_views,
  COUNT(*) FILTER (WHERE action = 'cart') AS cart_views,
  COUNT(*) FILTER (WHERE action = 'purchase') AS purchases
FROM page_views
GROUP BY FLOOR(event_time TO HOUR)
) AS lambdalake_metric;