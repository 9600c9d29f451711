SELECT day, country, active_users FROM batch WHERE day < $cutover
UNION ALL
SELECT day, country, active_users FROM speed WHERE day >= $cutover