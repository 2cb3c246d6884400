-- A matter raises an early-warning alert of a level once: the unique key makes a second one
-- impossible however many changes recompute the risk at the same time (earlier, the old
-- level was read outside the write and two concurrent changes could both raise one).
DELETE FROM escalation_alerts
WHERE id NOT IN (SELECT MIN(id) FROM escalation_alerts GROUP BY matter_id, level);
CREATE UNIQUE INDEX escalation_alerts_matter_level_key ON escalation_alerts (matter_id, level);
