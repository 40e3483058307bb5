// sdemu with Testcontainers for Java and JUnit 5.
//
// Build the image from the sdemu repository first: docker build -t sdemu .
// Test dependencies: org.testcontainers:junit-jupiter (1.21.x) and
// org.junit.jupiter:junit-jupiter; the HTTP client is the JDK's own (Java 11+).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

@Testcontainers
class SdemuTest {
    /** The port the image EXPOSEs; Testcontainers maps it to a free port on the host. */
    static final int SDEMU_PORT = 8080;
    /** The control plane's token: in a container sdemu would otherwise generate one. */
    static final String ADMIN_TOKEN = "test-admin-token";

    /** One sdemu for the whole class (static), started before the first test. */
    @Container
    static final GenericContainer<?> SDEMU =
            new GenericContainer<>(DockerImageName.parse("sdemu:latest"))
                    .withExposedPorts(SDEMU_PORT)
                    .withEnv("SDEMU_ADMIN_TOKEN", ADMIN_TOKEN)
                    .waitingFor(
                            Wait.forHttp("/_emulator/ready")
                                    .forPort(SDEMU_PORT)
                                    .forStatusCode(200));

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String baseUrl() {
        return "http://" + SDEMU.getHost() + ":" + SDEMU.getMappedPort(SDEMU_PORT);
    }

    /** Every test starts from the start-up data: reset is one call, a few milliseconds. */
    @BeforeEach
    void resetSdemu() throws Exception {
        HttpRequest reset =
                HttpRequest.newBuilder(URI.create(baseUrl() + "/_emulator/reset"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build();
        HttpResponse<String> response = HTTP.send(reset, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void theDocumentedExampleListsItsTasks() throws Exception {
        HttpRequest tokenRequest =
                HttpRequest.newBuilder(URI.create(baseUrl() + "/connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "grant_type=client_credentials&scope=WebAPI"
                                                + "&client_id=sdemu-demo&client_secret=sdemu-demo-secret"))
                        .build();
        String tokenBody = HTTP.send(tokenRequest, HttpResponse.BodyHandlers.ofString()).body();
        Matcher token = Pattern.compile("\"access_token\":\"([^\"]+)\"").matcher(tokenBody);
        assertTrue(token.find(), tokenBody);

        HttpRequest list =
                HttpRequest.newBuilder(
                                URI.create(
                                        baseUrl()
                                                + "/api/v1.0/external/sdtask/statuslist"
                                                + "?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z"))
                        .header("Authorization", "Bearer " + token.group(1))
                        .build();
        HttpResponse<String> response = HTTP.send(list, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"taskId\":47"), response.body());
    }
}
