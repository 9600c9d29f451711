CREATE CATALOG `lake` WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:18181');

CREATE TEMPORARY TABLE `page_views__kafka` (
  `event_id` STRING,
  `user_id` STRING,
  `country` STRING,
  `page` STRING,
  `action` STRING,
  `event_time` TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = 'page_views',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'format' = 'json',
  'properties.group.id' = 'lambdalake-ingest-page_views',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest'
);

INSERT INTO `lake`.`lambdalake`.`page_views_master`
SELECT `event_id`, `user_id`, `country`, `page`, `action`, `event_time` FROM `page_views__kafka`;