package io.eie.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * MQTT 3.1.1 spoken by hand, for what client libraries will not send on purpose: a PUBLISH with
 * the DUP flag set, as a device sends when it retransmits a message it thinks was lost.
 */
public final class RawMqtt implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    public RawMqtt(String host, int port, String clientId) {
        try {
            this.socket = new Socket(host, port);
            socket.setSoTimeout(10_000);
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(socket.getInputStream());
            ByteArrayOutputStream connect = new ByteArrayOutputStream();
            writeString(connect, "MQTT");
            connect.write(4);          // protocol level 3.1.1
            connect.write(0x02);       // clean session
            connect.write(0);          // keep alive: 60 s
            connect.write(60);
            writeString(connect, clientId);
            send(0x10, connect.toByteArray());
            int type = in.readUnsignedByte();
            byte[] connack = readBody();
            if (type != 0x20 || connack[1] != 0) {
                throw new IllegalStateException("the broker refused the connection: return code " + connack[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes at QoS 1 with this packet id, with or without DUP, and waits for the PUBACK. */
    public void publishQos1(String topic, byte[] payload, int packetId, boolean dup) {
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writeString(body, topic);
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
            body.write(payload);
            send(0x30 | (dup ? 0x08 : 0) | 0x02, body.toByteArray());
            int type = in.readUnsignedByte();
            byte[] ack = readBody();
            int acked = ((ack[0] & 0xFF) << 8) | (ack[1] & 0xFF);
            if (type != 0x40 || acked != packetId) {
                throw new IllegalStateException("expected PUBACK " + packetId + ", got packet type " + (type >> 4));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.write(body);
        out.write(packet.toByteArray());
        out.flush();
    }

    private byte[] readBody() throws IOException {
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    private static void writeString(ByteArrayOutputStream target, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        target.write(bytes.length >> 8);
        target.write(bytes.length & 0xFF);
        target.write(bytes, 0, bytes.length);
    }

    @Override
    public void close() {
        try {
            out.write(new byte[] {(byte) 0xE0, 0}); // DISCONNECT
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
