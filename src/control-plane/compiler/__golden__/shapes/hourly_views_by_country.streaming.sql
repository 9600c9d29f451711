CREATE TEMPORARY TABLE `page_views__raw` (
  `lambdalake_value` BYTES,
  `lambdalake_partition` INT METADATA FROM 'partition' VIRTUAL,
  `lambdalake_offset` BIGINT METADATA FROM 'offset' VIRTUAL,
  `lambdalake_kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `lambdalake_event_time` AS COALESCE(TRY_CAST(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') AS TIMESTAMP(3)), CASE WHEN REGEXP(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$') THEN TIMESTAMPADD(MINUTE, -(CASE WHEN REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '([+-])\d{2}:?\d{2}$', 1) = '-' THEN -1 ELSE 1 END) * (COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-](\d{2}):?\d{2}$', 1) AS INT), 0) * 60 + COALESCE(TRY_CAST(REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '[+-]\d{2}:?(\d{2})$', 1) AS INT), 0)), TRY_CAST(CONCAT(SUBSTRING(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time') FROM 1 FOR 10), ' ', REGEXP_EXTRACT(JSON_VALUE(DECODE(`lambdalake_value`, 'UTF-8'), '$.event_time'), '^.{11}(\d{2}:\d{2}:\d{2}(\.\d{1,3})?)', 1)) AS TIMESTAMP(3))) END),
  `lambdalake_proctime` AS PROCTIME(),
  WATERMARK FOR `lambdalake_event_time` AS `lambdalake_event_time` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'page_views',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'properties.isolation.level' = 'read_committed',
  'format' = 'raw',
  'properties.group.id' = 'lambdalake-speed-hourly_views_by_country-vc734e625',
  'scan.startup.mode' = 'timestamp',
  'scan.startup.timestamp-millis' = '1795477800000'
);

CREATE TEMPORARY VIEW `page_views__checked` AS
SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_text`, `event_id__text`, `user_id__text`, `country__text`, `page__text`, `action__text`,
  CASE
    WHEN `lambdalake_event_time` IS NULL THEN CASE
      WHEN `lambdalake_text` IS NULL THEN 'value: empty'
      WHEN NOT (`lambdalake_text` IS JSON OBJECT) THEN 'value: not a JSON object'
      WHEN JSON_VALUE(`lambdalake_text`, '$.event_time') IS NULL THEN 'event_time: missing or null'
      ELSE CONCAT('event_time: ''', SUBSTRING(JSON_VALUE(`lambdalake_text`, '$.event_time') FROM 1 FOR 80), ''' is not ''yyyy-MM-dd HH:mm:ss[.SSS]'' (UTC) or ISO-8601 with T and Z or an offset')
    END
    WHEN `event_id__text` IS NULL THEN 'event_id: missing or null (the dedupe key identifies the event)'
    WHEN `user_id__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.user_id') THEN 'user_id: an object or array, not STRING'
    WHEN `country__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.country') THEN 'country: an object or array, not STRING'
    WHEN `page__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.page') THEN 'page: an object or array, not STRING'
    WHEN `action__text` IS NULL AND JSON_EXISTS(`lambdalake_text`, '$.action') THEN 'action: an object or array, not STRING'
  END AS `lambdalake_problem`,
  `event_id`, `user_id`, `country`, `page`, `action`, `event_time`
FROM (
  SELECT *, `event_id__text` AS `event_id`,
    `user_id__text` AS `user_id`,
    `country__text` AS `country`,
    `page__text` AS `page`,
    `action__text` AS `action`,
    `lambdalake_event_time` AS `event_time`
  FROM (SELECT `lambdalake_value`, `lambdalake_partition`, `lambdalake_offset`, `lambdalake_kafka_timestamp`, `lambdalake_proctime`, `lambdalake_event_time`, `lambdalake_text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.event_id') END AS `event_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.user_id') END AS `user_id__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.country') END AS `country__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.page') END AS `page__text`, 
    CASE WHEN RAND() >= 0 THEN JSON_VALUE(`lambdalake_text`, '$.action') END AS `action__text`
  FROM (SELECT *, CASE WHEN RAND() >= 0 THEN DECODE(`lambdalake_value`, 'UTF-8') END AS `lambdalake_text` FROM `page_views__raw`))
);

CREATE TEMPORARY VIEW `page_views` AS
SELECT `event_id`, `user_id`, `country`, `page`, `action`, `event_time` FROM (
  SELECT `event_id`, `user_id`, `country`, `page`, `action`, `event_time`, ROW_NUMBER() OVER (PARTITION BY `event_id` ORDER BY `lambdalake_proctime`) AS lambdalake_occurrence
  FROM `page_views__checked`
  WHERE `lambdalake_problem` IS NULL
) WHERE lambdalake_occurrence = 1;

CREATE TEMPORARY TABLE `hourly_views_by_country__speed` (
  `lambdalake_key` STRING NOT NULL,
  `hour` TIMESTAMP(3),
  `country` STRING,
  `view_count` BIGINT,
  PRIMARY KEY (`lambdalake_key`) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'lambdalake.speed.hourly_views_by_country.vc734e625',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'key.format' = 'json',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO `hourly_views_by_country__speed`
SELECT JSON_ARRAY(`hour`, `country` NULL ON NULL), `hour`, `country`, `view_count` FROM (
WITH bucketed AS (
  SELECT FLOOR(pv.event_time TO HOUR) AS h, pv.country
  FROM page_views AS pv
)
SELECT CAST(h AS TIMESTAMP(3)) AS `hour`, country, COUNT(*) AS view_count
FROM bucketed
GROUP BY h, country
) AS lambdalake_metric;