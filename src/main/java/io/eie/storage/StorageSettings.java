package io.eie.storage;

import java.time.Duration;

/**
 * How long history is kept and how its partitions are managed.
 *
 * @param retention               history (and rejected payloads) older than this is dropped
 * @param partitionsAhead         how many days of partitions to create ahead of today
 * @param maxRejectedPayloadBytes how many bytes of a refused payload {@code rejected_telemetry} keeps
 * @param energyDefaults          how devices without a setting of their own report energy
 * @param packing                 when closed days are packed, and how hard the packing works
 */
public record StorageSettings(Duration retention, int partitionsAhead, int maxRejectedPayloadBytes,
                              EnergyModes.Defaults energyDefaults, PackingSettings packing) {
}
