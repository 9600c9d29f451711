CREATE TEMPORARY TABLE `orders` (
  `order_id` STRING,
  `user_id` STRING,
  `product` STRING,
  `amount` DECIMAL(12,2),
  `event_time` TIMESTAMP(3),
  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'format' = 'json',
  'properties.group.id' = 'lambdalake-speed-hourly_revenue-v34303ec3',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795477800000'
);

CREATE TEMPORARY TABLE `hourly_revenue__speed` (
  `hour` TIMESTAMP(3),
  `product` STRING,
  `revenue` DECIMAL(22,2),
  `orders` BIGINT,
  PRIMARY KEY (`hour`, `product`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.hourly_revenue.v34303ec3',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'key.json.timestamp-format.standard' = 'ISO-8601',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `hourly_revenue__speed`
SELECT `hour`, `product`, `revenue`, `orders` FROM (
SELECT
  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  product,
  SUM(amount) AS revenue,
  COUNT(*) AS orders
FROM orders
GROUP BY FLOOR(event_time TO HOUR), product
) AS lambdalake_metric;