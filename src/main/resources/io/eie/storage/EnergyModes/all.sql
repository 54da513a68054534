SELECT kind, device_id, mode FROM device_energy_mode
