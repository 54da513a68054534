package io.eie.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.eie.storage.EnergyModes;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;
import io.javalin.http.Context;

/**
 * {@code GET} and {@code PUT /v1/meters/{meterId}/settings} (and vehicles): how a device reports
 * energy, {@code interval} or {@code register}. A device may be set up before it first reports.
 */
final class DeviceSettingsEndpoints {

    /** A device's settings; {@code ownSetting} is false while it follows the engine's default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeviceSettings(String meterId, String vehicleId, String energyReporting, boolean ownSetting) {

        static DeviceSettings of(DeviceKind kind, String deviceId, EnergyModes.Setting setting) {
            return new DeviceSettings(kind == DeviceKind.METER ? deviceId : null,
                    kind == DeviceKind.VEHICLE ? deviceId : null, setting.mode().label(), setting.ownSetting());
        }
    }

    private final EnergyModes modes;

    DeviceSettingsEndpoints(EnergyModes modes) {
        this.modes = modes;
    }

    void showMeter(Context ctx) {
        show(ctx, DeviceKind.METER);
    }

    void showVehicle(Context ctx) {
        show(ctx, DeviceKind.VEHICLE);
    }

    void changeMeter(Context ctx) {
        change(ctx, DeviceKind.METER);
    }

    void changeVehicle(Context ctx) {
        change(ctx, DeviceKind.VEHICLE);
    }

    private void show(Context ctx, DeviceKind kind) {
        String deviceId = Params.deviceId(ctx, kind.idField());
        ctx.json(DeviceSettings.of(kind, deviceId, modes.get(kind, deviceId)));
    }

    /** {@code PUT {"energyReporting": "register"}}: the device's own mode; its hourly rollups are rebuilt to match. */
    private void change(Context ctx, DeviceKind kind) {
        String deviceId = Params.deviceId(ctx, kind.idField());
        JsonNode body = Params.jsonObject(ctx, "{\"energyReporting\": \"register\"}");
        JsonNode value = body.get("energyReporting");
        if (value == null || value.isNull()) {
            throw ApiError.badRequest("energyReporting", "energyReporting is required: interval or register");
        }
        EnergyMode mode = value.isTextual() ? EnergyMode.fromLabel(value.textValue()).orElse(null) : null;
        if (mode == null) {
            throw ApiError.badRequest("energyReporting", "energyReporting must be interval or register");
        }
        ctx.json(DeviceSettings.of(kind, deviceId, modes.set(kind, deviceId, mode)));
    }
}
