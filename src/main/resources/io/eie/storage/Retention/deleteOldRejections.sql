DELETE FROM rejected_telemetry WHERE received_at < :cutoff
