SELECT mode FROM device_energy_mode WHERE kind = :kind AND device_id = :deviceId
