package io.eie.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.TrustManagerFactory;

/** The certificates the engine trusts for a TLS connection to the broker. */
final class TrustStore {

    private TrustStore() {
    }

    /**
     * TLS trusting the certificates in {@code store} (a PKCS#12 or JKS file), or the JVM's own
     * when it is {@code null}.
     *
     * @throws IllegalStateException when the store cannot be read
     */
    static MqttClientSslConfig sslConfig(Path store, String password) {
        if (store == null) {
            return MqttClientSslConfig.builder().build();
        }
        try {
            KeyStore keys = KeyStore.getInstance(store.toFile(), password == null ? null : password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(keys);
            return MqttClientSslConfig.builder().trustManagerFactory(trust).build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the MQTT trust store " + store + ": " + e.getMessage(), e);
        }
    }
}
