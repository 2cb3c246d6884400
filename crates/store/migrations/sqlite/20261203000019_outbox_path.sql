-- The unit path of the grid an event belongs to ('' for none), so a live board receives
-- only the events of its viewer's jurisdiction (issue 11).
ALTER TABLE outbox ADD COLUMN path TEXT NOT NULL DEFAULT '';
