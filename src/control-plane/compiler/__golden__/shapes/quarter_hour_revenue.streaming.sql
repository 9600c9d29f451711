CREATE TEMPORARY TABLE `orders__raw` (
  `lambdalake_value` BYTES,
  `lambdalake_partition` INT METADATA FROM 'partition' VIRTUAL,
  `lambdalake_offset` BIGINT METADATA FROM 'offset' VIRTUAL,
  `lambdalake_kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `lambdalake_event_time` AS COALESCE(TRY_CAST(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') AS TIMESTAMP(3)), CASE WHEN REGEXP(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$') THEN TIMESTAMPADD(MINUTE, -(CASE WHEN REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '([+-])\d{2}:?\d{2}$', 1) = '-' THEN -1 ELSE 1 END) * (COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-](\d{2}):?\d{2}$', 1) AS INT), 0) * 60 + COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-]\d{2}:?(\d{2})$', 1) AS INT), 0)), TRY_CAST(CONCAT(SUBSTRING(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') FROM 1 FOR 10), ' ', REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^.{11}(\d{2}:\d{2}:\d{2}(\.\d{1,3})?)', 1)) AS TIMESTAMP(3))) END),
  `lambdalake_proctime` AS PROCTIME(),
  WATERMARK FOR `lambdalake_event_time` AS `lambdalake_event_time` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'properties.isolation.level' = 'read_committed',
  'format' = 'raw',
  'properties.group.id' = 'lambdalake-speed-quarter_hour_revenue-vd745664d',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795477800000'
);

CREATE TEMPORARY VIEW `orders__checked` AS
SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_text`, `order_id__text`, `user_id__text`, `product__text`, `amount__text`,
  CASE
    WHEN `lambdalake_event_time` IS NULL THEN CASE
      WHEN `lambdalake_text` IS NULL THEN 'value: empty'
      WHEN NOT (`lambdalake_text` IS JSON OBJECT) THEN 'value: not a JSON object'
      WHEN JSON_VALUE(`lambdalake_text`, '$.event_time') IS NULL THEN 'event_time: missing or null'
      ELSE CONCAT('event_time: ''', SUBSTRING(JSON_VALUE(`lambdalake_text`, '$.event_time') FROM 1 FOR 80), ''' is not ''yyyy-MM-dd HH:mm:ss[.SSS]'' (UTC) or ISO-8601 with T and Z or an offset')
    END
    WHEN `order_id__text` IS NULL THEN 'order_id: missing or null (the dedupe key identifies the event)'
    WHEN `user_id__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.user_id') THEN 'user_id: an object or array, not STRING'
    WHEN `product__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.product') THEN 'product: an object or array, not STRING'
    WHEN `amount__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.amount') THEN 'amount: an object or array, not DECIMAL(12,2)'
    WHEN `amount__text` IS NOT NULL AND `amount` IS NULL THEN CONCAT('amount: ''', SUBSTRING(`amount__text` FROM 1 FOR 80), ''' is not DECIMAL(12,2)')
  END AS `lambdalake_problem`,
  `order_id`, `user_id`, `product`, `amount`, `event_time`
FROM (
  SELECT *, `order_id__text` AS `order_id`,
    `user_id__text` AS `user_id`,
    `product__text` AS `product`,
    TRY_CAST(`amount__text` AS DECIMAL(12,2)) AS `amount`,
    `lambdalake_event_time` AS `event_time`
  FROM (SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_event_time`, `lambdalake_text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.order_id') END AS `order_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.user_id') END AS `user_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.product') END AS `product__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.amount') END AS `amount__text`
  FROM (SELECT *, CASE WHEN RAND() >= 0 THEN DECODE(`lambdalake_value`, 'UTF-8') END AS `lambdalake_text` FROM `orders__raw`))
);

CREATE TEMPORARY VIEW `orders` AS
SELECT `order_id`, `user_id`, `product`, `amount`, `event_time` FROM (
  SELECT `order_id`, `user_id`, `product`, `amount`, `event_time`, ROW_NUMBER() OVER (PARTITION BY `order_id` ORDER BY `lambdalake_proctime`) AS lambdalake_occurrence
  FROM `orders__checked`
  WHERE `lambdalake_problem` IS NULL
) WHERE lambdalake_occurrence = 1;

CREATE TEMPORARY TABLE `quarter_hour_revenue__speed` (
  `lambdalake_key` STRING NOT NULL,
  `quarter` TIMESTAMP(3),
  `product` STRING,
  `revenue` DECIMAL(22,2),
  `orders` BIGINT,
  PRIMARY KEY (`lambdalake_key`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.quarter_hour_revenue.vd745664d',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `quarter_hour_revenue__speed`
SELECT JSON_ARRAY(`quarter`, `product` NULL ON NULL), `quarter`, `product`, `revenue`, `orders` FROM (
SELECT
  o.window_start AS quarter,
  o.product,
  SUM(o.amount) AS revenue,
  COUNT(*) AS orders
FROM (SELECT *, CAST(TIMESTAMPADD(MINUTE, (TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', `event_time`) / 15) * 15, TIMESTAMP '1970-01-01 00:00:00') AS TIMESTAMP(3)) AS window_start, TIMESTAMPADD(MINUTE, 15, CAST(TIMESTAMPADD(MINUTE, (TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', `event_time`) / 15) * 15, TIMESTAMP '1970-01-01 00:00:00') AS TIMESTAMP(3))) AS window_end, TIMESTAMPADD(MINUTE, 15, CAST(TIMESTAMPADD(MINUTE, (TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', `event_time`) / 15) * 15, TIMESTAMP '1970-01-01 00:00:00') AS TIMESTAMP(3))) - INTERVAL '0.001' SECOND AS window_time FROM `orders`) AS o
GROUP BY o.window_start, o.window_end, o.product
) AS lambdalake_metric;