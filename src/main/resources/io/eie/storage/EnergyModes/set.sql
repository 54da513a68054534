INSERT INTO device_energy_mode (kind, device_id, mode) VALUES (:kind, :deviceId, :mode)
ON CONFLICT (kind, device_id) DO UPDATE SET mode = excluded.mode, updated_at = now()
