CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

CREATE TEMPORARY TABLE `orders__kafka` (
  `order_id` STRING,
  `user_id` STRING,
  `product` STRING,
  `amount` DECIMAL(12,2),
  `event_time` TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'format' = 'json',
  'properties.group.id' = 'lambdalake-ingest-orders',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest'
);

INSERT INTO `lake`.`lambdalake`.`orders_master`
SELECT `order_id`, `user_id`, `product`, `amount`, `event_time` FROM `orders__kafka`;