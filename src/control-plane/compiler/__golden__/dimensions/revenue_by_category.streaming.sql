CREATE TEMPORARY TABLE `sales__raw` (
  `lambdalake_value` BYTES,
  `lambdalake_partition` INT METADATA FROM 'partition' VIRTUAL,
  `lambdalake_offset` BIGINT METADATA FROM 'offset' VIRTUAL,
  `lambdalake_kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `lambdalake_event_time` AS COALESCE(TRY_CAST(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') AS TIMESTAMP(3)), CASE WHEN REGEXP(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$') THEN TIMESTAMPADD(MINUTE, -(CASE WHEN REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '([+-])\d{2}:?\d{2}$', 1) = '-' THEN -1 ELSE 1 END) * (COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-](\d{2}):?\d{2}$', 1) AS INT), 0) * 60 + COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-]\d{2}:?(\d{2})$', 1) AS INT), 0)), TRY_CAST(CONCAT(SUBSTRING(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') FROM 1 FOR 10), ' ', REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^.{11}(\d{2}:\d{2}:\d{2}(\.\d{1,3})?)', 1)) AS TIMESTAMP(3))) END),
  `lambdalake_proctime` AS PROCTIME(),
  WATERMARK FOR `lambdalake_event_time` AS `lambdalake_event_time` - INTERVAL '1' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'sales',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'properties.isolation.level' = 'read_committed',
  'format' = 'raw',
  'properties.group.id' = 'lambdalake-speed-revenue_by_category-v4d784cd7',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795478340000'
);

CREATE TEMPORARY VIEW `sales__checked` AS
SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_text`, `sale_id__text`, `product_id__text`, `amount__text`,
  CASE
    WHEN `lambdalake_event_time` IS NULL THEN CASE
      WHEN `lambdalake_text` IS NULL THEN 'value: empty'
      WHEN NOT (`lambdalake_text` IS JSON OBJECT) THEN 'value: not a JSON object'
      WHEN JSON_VALUE(`lambdalake_text`, '$.event_time') IS NULL THEN 'event_time: missing or null'
      ELSE CONCAT('event_time: ''', SUBSTRING(JSON_VALUE(`lambdalake_text`, '$.event_time') FROM 1 FOR 80), ''' is not ''yyyy-MM-dd HH:mm:ss[.SSS]'' (UTC) or ISO-8601 with T and Z or an offset')
    END
    WHEN `sale_id__text` IS NULL THEN 'sale_id: missing or null (the dedupe key identifies the event)'
    WHEN `product_id__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.product_id') THEN 'product_id: an object or array, not STRING'
    WHEN `amount__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.amount') THEN 'amount: an object or array, not DECIMAL(12,2)'
    WHEN `amount__text` IS NOT NULL AND `amount` IS NULL THEN CONCAT('amount: ''', SUBSTRING(`amount__text` FROM 1 FOR 80), ''' is not DECIMAL(12,2)')
  END AS `lambdalake_problem`,
  `sale_id`, `product_id`, `amount`, `event_time`
FROM (
  SELECT *, `sale_id__text` AS `sale_id`,
    `product_id__text` AS `product_id`,
    TRY_CAST(`amount__text` AS DECIMAL(12,2)) AS `amount`,
    `lambdalake_event_time` AS `event_time`
  FROM (SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_event_time`, `lambdalake_text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.sale_id') END AS `sale_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.product_id') END AS `product_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.amount') END AS `amount__text`
  FROM (SELECT *, CASE WHEN RAND() >= 0 THEN DECODE(`lambdalake_value`, 'UTF-8') END AS `lambdalake_text` FROM `sales__raw`))
);

CREATE TEMPORARY VIEW `sales` AS
SELECT `sale_id`, `product_id`, `amount`, `event_time` FROM (
  SELECT `sale_id`, `product_id`, `amount`, `event_time`, ROW_NUMBER() OVER (PARTITION BY `sale_id` ORDER BY `lambdalake_proctime`) AS lambdalake_occurrence
  FROM `sales__checked`
  WHERE `lambdalake_problem` IS NULL
) WHERE lambdalake_occurrence = 1;

CREATE TEMPORARY TABLE `products__raw` (
  `lambdalake_value` BYTES,
  `lambdalake_partition` INT METADATA FROM 'partition' VIRTUAL,
  `lambdalake_offset` BIGINT METADATA FROM 'offset' VIRTUAL,
  `lambdalake_kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `lambdalake_event_time` AS COALESCE(TRY_CAST(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at') AS TIMESTAMP(3)), CASE WHEN REGEXP(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at'), '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$') THEN TIMESTAMPADD(MINUTE, -(CASE WHEN REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at'), '([+-])\d{2}:?\d{2}$', 1) = '-' THEN -1 ELSE 1 END) * (COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at'), '[+-](\d{2}):?\d{2}$', 1) AS INT), 0) * 60 + COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at'), '[+-]\d{2}:?(\d{2})$', 1) AS INT), 0)), TRY_CAST(CONCAT(SUBSTRING(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at') FROM 1 FOR 10), ' ', REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.updated_at'), '^.{11}(\d{2}:\d{2}:\d{2}(\.\d{1,3})?)', 1)) AS TIMESTAMP(3))) END),
  `lambdalake_proctime` AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = 'products',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'properties.isolation.level' = 'read_committed',
  'format' = 'raw',
  'properties.group.id' = 'lambdalake-speed-revenue_by_category-v4d784cd7',
  'scan.startup.mode' = 'earliest-offset'
);

CREATE TEMPORARY VIEW `products__checked` AS
SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_text`, `product_id__text`, `category__text`,
  CASE
    WHEN `lambdalake_event_time` IS NULL THEN CASE
      WHEN `lambdalake_text` IS NULL THEN 'value: empty'
      WHEN NOT (`lambdalake_text` IS JSON OBJECT) THEN 'value: not a JSON object'
      WHEN JSON_VALUE(`lambdalake_text`, '$.updated_at') IS NULL THEN 'updated_at: missing or null'
      ELSE CONCAT('updated_at: ''', SUBSTRING(JSON_VALUE(`lambdalake_text`, '$.updated_at') FROM 1 FOR 80), ''' is not ''yyyy-MM-dd HH:mm:ss[.SSS]'' (UTC) or ISO-8601 with T and Z or an offset')
    END
    WHEN `product_id__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.product_id') THEN 'product_id: an object or array, not STRING'
    WHEN `product_id__text` IS NULL THEN 'product_id: missing or null'
    WHEN `category__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.category') THEN 'category: an object or array, not STRING'
  END AS `lambdalake_problem`,
  `product_id`, `category`, `updated_at`
FROM (
  SELECT *, `product_id__text` AS `product_id`,
    `category__text` AS `category`,
    `lambdalake_event_time` AS `updated_at`
  FROM (SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_event_time`, `lambdalake_text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.product_id') END AS `product_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.category') END AS `category__text`
  FROM (SELECT *, CASE WHEN RAND() >= 0 THEN DECODE(`lambdalake_value`, 'UTF-8') END AS `lambdalake_text` FROM `products__raw`))
);

CREATE TEMPORARY VIEW `products` AS
SELECT `product_id`, `category`, `updated_at` FROM (
  SELECT `product_id`, `category`, `updated_at`, ROW_NUMBER() OVER (PARTITION BY `product_id` ORDER BY `updated_at` DESC) AS lambdalake_latest
  FROM `products__checked`
  WHERE `lambdalake_problem` IS NULL
) WHERE lambdalake_latest = 1;

CREATE TEMPORARY TABLE `revenue_by_category__speed` (
  `lambdalake_key` STRING NOT NULL,
  `hour` TIMESTAMP(3),
  `category` STRING,
  `revenue` DECIMAL(22,2),
  `sales` BIGINT,
  PRIMARY KEY (`lambdalake_key`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.revenue_by_category.v4d784cd7',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `revenue_by_category__speed`
SELECT JSON_ARRAY(`hour`, `category` NULL ON NULL), `hour`, `category`, `revenue`, `sales` FROM (
SELECT
  CAST(FLOOR(s.event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,
  p.category,
  SUM(s.amount) AS revenue,
  COUNT(*) AS sales
FROM sales s
JOIN products p ON p.product_id = s.product_id
GROUP BY FLOOR(s.event_time TO HOUR), p.category
) AS lambdalake_metric;