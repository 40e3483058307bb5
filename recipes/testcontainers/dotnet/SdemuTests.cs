// sdemu with Testcontainers for .NET and xUnit (v2).
//
// Build the image from the sdemu repository first: docker build -t sdemu .
// Test project packages: Testcontainers (4.x), xunit (2.x), xunit.runner.visualstudio,
// Microsoft.NET.Test.Sdk.

using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Tasks;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Xunit;

/// <summary>One sdemu container shared by every test of a class (IClassFixture).</summary>
public sealed class SdemuFixture : IAsyncLifetime
{
    /// <summary>The port the image EXPOSEs; Testcontainers maps it to a free host port.</summary>
    public const ushort SdemuPort = 8080;

    /// <summary>The control plane's token: in a container sdemu would otherwise generate one.</summary>
    public const string AdminToken = "test-admin-token";

    public IContainer Container { get; } = new ContainerBuilder("sdemu:latest")
        .WithPortBinding(SdemuPort, true)
        .WithEnvironment("SDEMU_ADMIN_TOKEN", AdminToken)
        .WithWaitStrategy(Wait.ForUnixContainer()
            .UntilHttpRequestIsSucceeded(request => request
                .ForPort(SdemuPort)
                .ForPath("/_emulator/ready")
                .ForStatusCode(HttpStatusCode.OK)))
        .Build();

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Container.StartAsync();
        Http = new HttpClient
        {
            BaseAddress = new UriBuilder("http", Container.Hostname, Container.GetMappedPublicPort(SdemuPort)).Uri,
        };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Container.DisposeAsync();
    }

    /// <summary>Back to the start-up data: reset is one call, a few milliseconds.</summary>
    public async Task ResetAsync()
    {
        using var reset = new HttpRequestMessage(HttpMethod.Post, "/_emulator/reset")
        {
            // An empty body that still says JSON, as every control-plane write should.
            Content = new StringContent("", null, "application/json"),
        };
        reset.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Http.SendAsync(reset);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class SdemuTests : IClassFixture<SdemuFixture>, IAsyncLifetime
{
    private readonly SdemuFixture sdemu;

    public SdemuTests(SdemuFixture sdemu) => this.sdemu = sdemu;

    // xUnit runs InitializeAsync before each test of the class: every test starts from reset.
    public Task InitializeAsync() => sdemu.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TheDocumentedExampleListsItsTasks()
    {
        using var tokenResponse = await sdemu.Http.PostAsync("/connect/token", new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = "WebAPI",
                ["client_id"] = "sdemu-demo",
                ["client_secret"] = "sdemu-demo-secret",
            }));
        using var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        var accessToken = token.RootElement.GetProperty("access_token").GetString();

        using var list = new HttpRequestMessage(HttpMethod.Get,
            "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await sdemu.Http.SendAsync(list);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"taskId\":47", body);
    }
}
