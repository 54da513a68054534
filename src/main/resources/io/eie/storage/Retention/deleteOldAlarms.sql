-- Alarms cleared before :cutoff, with their events (ON DELETE CASCADE); open ones stay however old.
DELETE FROM alarm WHERE cleared_at < :cutoff
