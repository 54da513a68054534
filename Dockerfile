# syntax=docker/dockerfile:1
# The engine (target "engine", the default) and the device simulator (target "simulator"),
# built from source with the same Maven command the README documents.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# dependencies first, so that a code change does not download them again (a warm-up only: the
# package step below fetches whatever this missed, and fails loudly if it cannot)
COPY pom.xml ./
COPY device-simulator/pom.xml device-simulator/
RUN (mvn -B -q dependency:go-offline -Dinvoker.skip && mvn -B -q -f device-simulator/pom.xml dependency:go-offline) || true
COPY device-simulator/src device-simulator/src
COPY src src
RUN mvn -B -DskipTests -Dinvoker.skip package \
 && mvn -B -DskipTests -f device-simulator/pom.xml package

FROM eclipse-temurin:17-jre AS simulator
RUN useradd --system --uid 10001 simulator
COPY --from=build /src/device-simulator/target/device-simulator.jar /app/device-simulator.jar
USER simulator
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/device-simulator.jar"]
CMD ["--help"]

FROM eclipse-temurin:17-jre AS engine
RUN useradd --system --uid 10001 --home-dir /data eie && mkdir /data && chown eie /data
COPY --from=build /src/target/eie.jar /app/eie.jar
USER eie
WORKDIR /data
ENV EIE_DATA_DIR=/data
EXPOSE 3000
# /ready: the database answers, the writer commits, MQTT is connected and subscribed
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/eie.jar"]
CMD ["serve"]
