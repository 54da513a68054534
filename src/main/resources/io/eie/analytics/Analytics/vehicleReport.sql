-- The vehicle's side of a report over [:from, :to): its energy, read as it reports energy
-- (<vehicleEnergy> is vehicleEnergyInterval.sql or vehicleEnergyRegister.sql), and its totals.
SELECT energy.kwh, energy.resets, totals.avg_temp, totals.readings
FROM (<vehicleEnergy>) energy,
     (<vehicleTotals>) totals
