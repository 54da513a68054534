// The engine's dashboard: the fleet at a glance, its active alarms, the worst charging
// efficiencies of the last 24 hours, and one vehicle's hours. It reads the same /v1 API as any client, refreshes itself,
// and keeps an API token (when the engine wants one) in this tab's session storage only.
"use strict";

const REFRESH_MS = 15000;
const WORST_ROWS = 15;
const ALARM_ROWS = 20;
const $ = (id) => document.getElementById(id);

let selectedVehicle = decodeURIComponent((location.hash.match(/vehicle=([^&]+)/) || [])[1] || "");
let charts = {};

async function api(path) {
  const headers = {};
  const token = sessionStorage.getItem("eie-token");
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { headers });
  if (response.status === 401 || response.status === 403) {
    $("token-form").hidden = false;
    throw new Error("the engine wants an API token");
  }
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.message || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function number(value, digits) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(value) {
  return value === null || value === undefined ? "–" : (Number(value) * 100).toFixed(1) + " %";
}

function text(tag, content, className) {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className) element.className = className;
  return element;
}

async function refreshReadiness() {
  const pill = $("readiness");
  try {
    const response = await fetch("/ready");
    const body = await response.json();
    pill.textContent = response.ok ? "ready" : "not ready: " + body.message.replace(/^the engine is not ready: /, "");
    pill.className = "pill " + (response.ok ? "ready" : "not-ready");
  } catch (e) {
    pill.textContent = "unreachable";
    pill.className = "pill not-ready";
  }
}

async function refreshOverview() {
  const overview = await api("/v1/analytics/fleet/overview");
  $("vehicles-reporting").textContent = number(overview.vehicles.reporting, 0);
  $("vehicles-known").textContent = "of " + number(overview.vehicles.known, 0) + " known, last " + overview.recentMinutes + " min";
  $("meters-reporting").textContent = number(overview.meters.reporting, 0);
  $("meters-known").textContent = "of " + number(overview.meters.known, 0) + " known, last " + overview.recentMinutes + " min";
  $("stored-rate").textContent = number(overview.ingest.storedPerSecond, 1);
  $("rejected-rate").textContent = number(overview.ingest.rejectedPerSecond, 1);
}

function efficiencyClass(row) {
  if (row.flags.includes("low_efficiency")) return "eff-low";
  if (row.flags.includes("impossible_efficiency")) return "eff-impossible";
  return row.efficiencyRatio === null ? "" : "eff-ok";
}

async function refreshFleet() {
  const report = await api("/v1/analytics/fleet/efficiency?limit=" + WORST_ROWS);
  const summary = report.summary;
  $("flagged").textContent = number(summary.lowEfficiency + summary.impossibleEfficiency, 0);
  $("flag-counts").textContent = summary.lowEfficiency + " low, " + summary.impossibleEfficiency + " impossible, "
      + (summary.missingMeterData + summary.missingVehicleData) + " missing data, " + summary.noMeterLink + " unlinked";

  const body = $("fleet-rows");
  body.replaceChildren();
  if (report.vehicles.length === 0) {
    const row = document.createElement("tr");
    const cell = text("td", "No vehicle has reported in the last 24 hours.", "muted");
    cell.colSpan = 7;
    row.append(cell);
    body.append(row);
  }
  if (!selectedVehicle && report.vehicles.length) {
    selectedVehicle = report.vehicles[0].vehicleId;
  }
  for (const vehicle of report.vehicles) {
    const row = document.createElement("tr");
    row.dataset.vehicleId = vehicle.vehicleId;
    if (vehicle.vehicleId === selectedVehicle) row.className = "selected";
    const flags = document.createElement("td");
    vehicle.flags.forEach((flag) => flags.append(text("span", flag.replace(/_/g, " "), "flag " + flag)));
    row.append(text("td", vehicle.vehicleId), text("td", vehicle.meterIds.join(", ") || "–"),
        text("td", number(vehicle.totalEnergyConsumedAc, 2), "num"),
        text("td", number(vehicle.linkedEnergyDeliveredDc, 2), "num"),
        text("td", percent(vehicle.efficiencyRatio), "num " + efficiencyClass(vehicle)),
        text("td", percent(vehicle.coverage), "num"), flags);
    row.addEventListener("click", () => select(vehicle.vehicleId));
    body.append(row);
  }
  $("fleet-note").textContent = summary.vehicles + " vehicles in the window; threshold "
      + percent(report.threshold) + "; judged once AC or DC reaches " + report.minKwh + " kWh.";
}

/** An alarm's value in its unit: an efficiency, how long a device has been silent, a temperature. */
function alarmValue(alarm, value) {
  if (value === null || value === undefined) return "–";
  if (alarm.unit === "ratio") return percent(value);
  if (alarm.unit === "celsius") return number(value, 1) + " °C";
  const minutes = Math.round(Number(value) / 60);
  return minutes < 120 ? minutes + " min silent" : Math.round(minutes / 60) + " h silent";
}

async function refreshAlarms() {
  const page = await api("/v1/alarms?limit=" + ALARM_ROWS);
  const counts = {};
  page.alarms.forEach((alarm) => { counts[alarm.rule] = (counts[alarm.rule] || 0) + 1; });
  $("alarms-active").textContent = page.next ? ALARM_ROWS + "+" : String(page.alarms.length);
  $("alarm-counts").textContent = Object.keys(counts).length === 0 ? "none"
      : Object.entries(counts).map(([rule, n]) => n + " " + rule.replace(/_/g, " ")).join(", ");
  const body = $("alarm-rows");
  body.replaceChildren();
  if (page.alarms.length === 0) {
    const row = document.createElement("tr");
    const cell = text("td", "No active alarm.", "muted");
    cell.colSpan = 6;
    row.append(cell);
    body.append(row);
  }
  for (const alarm of page.alarms) {
    const row = document.createElement("tr");
    row.dataset.alarmId = String(alarm.id);
    row.className = "alarm " + alarm.rule;
    const device = document.createElement("td");
    if (alarm.deviceKind === "vehicle") {
      const link = text("a", alarm.deviceId);
      link.href = "#vehicle=" + encodeURIComponent(alarm.deviceId);
      link.title = "this vehicle's charts";
      device.append(link);
    } else {
      device.append(text("span", alarm.deviceId + " (meter)"));
    }
    row.append(text("td", new Date(alarm.raisedAt).toLocaleString()),
        text("td", alarm.rule.replace(/_/g, " "), "flag " + alarm.rule), device,
        text("td", alarmValue(alarm, alarm.raisedValue), "num"), text("td", alarmValue(alarm, alarm.latestValue), "num"),
        text("td", alarm.acknowledged ? alarm.acknowledged.by : "–"));
    body.append(row);
  }
  $("alarms-note").textContent = "Every alarm, cleared ones too, at /v1/alarms?state=all; acknowledge with "
      + "POST /v1/alarms/{id}/acknowledge.";
}

function chartWidth() {
  return Math.max(420, $("vehicle").clientWidth - 30);
}

function draw(name, element, options, data) {
  if (charts[name]) charts[name].destroy();
  charts[name] = new uPlot(Object.assign({ width: chartWidth(), height: 240 }, options), data, element);
  element.dataset.points = String(data[0].length);
}

async function refreshVehicle() {
  if (!selectedVehicle) {
    $("vehicle-note").textContent = "Choose a vehicle in the table, or type its id.";
    return;
  }
  $("vehicle-id").value = selectedVehicle;
  let series;
  try {
    series = await api("/v1/analytics/performance/" + encodeURIComponent(selectedVehicle) + "/series?bucket=1h");
  } catch (e) {
    $("vehicle-note").textContent = e.status === 404 ? "The engine has never heard of " + selectedVehicle + "." : e.message;
    return;
  }
  const points = series.points;
  const x = points.map((p) => Date.parse(p.from) / 1000);
  const ac = points.map((p) => Number(p.totalEnergyConsumedAc));
  const dc = points.map((p) => Number(p.linkedEnergyDeliveredDc));
  const efficiency = points.map((p) => (p.efficiencyRatio === null ? null : Number(p.efficiencyRatio) * 100));
  const soc = points.map((p) => p.lastSoc);
  const temperature = points.map((p) => p.avgBatteryTemp);
  const totalAc = ac.reduce((a, b) => a + b, 0);
  const totalDc = dc.reduce((a, b) => a + b, 0);
  $("vehicle-summary").textContent = "AC " + number(totalAc, 1) + " kWh, DC " + number(totalDc, 1) + " kWh"
      + (totalAc > 0 ? ", efficiency " + percent(totalDc / totalAc) : "") + " over 24 hours";

  const bars = uPlot.paths.bars;
  draw("energy", $("energy-chart"), {
    title: "Energy per hour: AC drawn vs DC delivered, and efficiency",
    scales: { x: { time: true, range: (u, min, max) => [min - 1800, max + 1800] }, kwh: { range: (u, min, max) => [0, Math.max(0.1, max) * 1.1] }, pct: { range: [0, 110] } },
    axes: [{}, { scale: "kwh", label: "kWh" }, { scale: "pct", side: 1, label: "efficiency %", grid: { show: false } }],
    series: [{},
      { label: "AC kWh", scale: "kwh", fill: "rgba(52,101,164,.55)", stroke: "#3465a4", paths: bars({ size: [0.4, 60], align: -1 }), points: { show: false } },
      { label: "DC kWh", scale: "kwh", fill: "rgba(224,138,30,.6)", stroke: "#e08a1e", paths: bars({ size: [0.4, 60], align: 1 }), points: { show: false } },
      { label: "efficiency %", scale: "pct", stroke: "#1a7f4b", width: 2, spanGaps: false }],
  }, [x, ac, dc, efficiency]);
  draw("state", $("state-chart"), {
    title: "State of charge and battery temperature",
    scales: { x: { time: true, range: (u, min, max) => [min - 1800, max + 1800] }, pct: { range: [0, 100] }, c: { auto: true } },
    axes: [{}, { scale: "pct", label: "SoC %" }, { scale: "c", side: 1, label: "°C", grid: { show: false } }],
    series: [{},
      { label: "SoC % (end of hour)", scale: "pct", stroke: "#5b3fa8", width: 2, spanGaps: true },
      { label: "battery °C (mean)", scale: "c", stroke: "#c0392b", width: 2, spanGaps: true }],
  }, [x, soc, temperature]);
  $("vehicle-note").textContent = series.points.length + " hours, from the engine's hourly rollups.";
  const csv = $("vehicle-csv");
  csv.href = "/v1/export/readings?kind=vehicle&device=" + encodeURIComponent(selectedVehicle)
      + "&from=" + encodeURIComponent(series.window.from) + "&to=" + encodeURIComponent(series.window.to);
  csv.download = selectedVehicle + "-readings.csv";
  csv.hidden = false;
}

function select(vehicleId) {
  selectedVehicle = vehicleId.trim();
  history.replaceState(null, "", "#vehicle=" + encodeURIComponent(selectedVehicle));
  document.querySelectorAll("#fleet-rows tr").forEach((row) =>
      row.classList.toggle("selected", row.dataset.vehicleId === selectedVehicle));
  refreshVehicle().catch(report);
}

function report(error) {
  $("updated").textContent = "refresh failed: " + error.message;
}

async function refresh() {
  await refreshReadiness();
  try {
    await Promise.all([refreshOverview(), refreshAlarms(), refreshFleet()]);
    await refreshVehicle();
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.state = "ready";
  } catch (error) {
    report(error);
  }
}

$("vehicle-id").addEventListener("change", (event) => select(event.target.value));
// with a token the download goes through fetch, which can send it; without, the link is plain
$("vehicle-csv").addEventListener("click", async (event) => {
  const token = sessionStorage.getItem("eie-token");
  if (!token) return;
  event.preventDefault();
  const link = event.currentTarget;
  const response = await fetch(link.href, { headers: { Authorization: "Bearer " + token } });
  const file = document.createElement("a");
  file.href = URL.createObjectURL(await response.blob());
  file.download = link.download;
  file.click();
  URL.revokeObjectURL(file.href);
});
// an alarm's device link: the vehicle's charts, one click away
window.addEventListener("hashchange", () => {
  const vehicle = decodeURIComponent((location.hash.match(/vehicle=([^&]+)/) || [])[1] || "");
  if (vehicle && vehicle !== selectedVehicle) {
    select(vehicle);
    $("vehicle").scrollIntoView();
  }
});
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("eie-token", $("token").value.trim());
  $("token-form").hidden = true;
  refresh();
});
window.addEventListener("resize", () => { if (selectedVehicle) refreshVehicle().catch(report); });

refresh();
setInterval(refresh, REFRESH_MS);
