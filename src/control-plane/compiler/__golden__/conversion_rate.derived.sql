/* lambdalake derived metric conversion_rate v0c02712a over purchases_by_country vb20149c8, product_views_by_country v594f7b4f */
SELECT "hour", "country", CAST((COALESCE("purchases_by_country.purchases", 0) / NULLIF("product_views_by_country.product_views", 0)) AS numeric(10,4)) AS "conversion_rate", CAST((COALESCE("product_views_by_country.product_views", 0) - COALESCE("purchases_by_country.purchases", 0)) AS bigint) AS "views_without_purchase"
FROM (
  SELECT "hour", "country", max("purchases_by_country.purchases") AS "purchases_by_country.purchases", max("product_views_by_country.product_views") AS "product_views_by_country.product_views"
  FROM (
    SELECT "hour", "country", CAST("purchases" AS numeric) AS "purchases_by_country.purchases", CAST(NULL AS numeric) AS "product_views_by_country.product_views"
    FROM "metrics"."purchases_by_country"
    UNION ALL
    SELECT "hour", "country", CAST(NULL AS numeric) AS "purchases_by_country.purchases", CAST("product_views" AS numeric) AS "product_views_by_country.product_views"
    FROM "metrics"."product_views_by_country"
  ) AS lambdalake_inputs
  GROUP BY "hour", "country"
) AS lambdalake_joined
