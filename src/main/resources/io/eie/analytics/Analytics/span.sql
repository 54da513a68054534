-- What a meter drew and its vehicle took over one link's span [:from, :to), each read as its
-- device reports energy (<meterEnergy> is meterEnergyInterval.sql or meterEnergyRegister.sql,
-- <vehicleEnergy> likewise): two index range scans.
SELECT meter.kwh AS ac, meter.resets, meter.readings, vehicle.kwh AS dc
FROM (<meterEnergy>) meter,
     (<vehicleEnergy>) vehicle
