-- The default energy mode the rollups of a kind were last computed with (:name is meter_energy_mode or vehicle_energy_mode).
SELECT value FROM engine_setting WHERE name = :name
