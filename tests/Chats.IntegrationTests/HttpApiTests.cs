using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Chats.Client;
using Chats.Core.Imaging;
using Chats.Gateway.HttpApi;
using Chats.Protos.V1;
using Chats.ServiceDefaults;

namespace Chats.IntegrationTests;

/// <summary>
/// The gateway's HTTP/JSON door on the running system: OpenAI-shaped image generations, the event stream, the
/// errors (HTTP layer and the sampler's, with the param named), the ports kept apart, and the door going through the
/// gateway's own gRPC port (a disconnect is a cancelled generation at the sampler).
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class HttpApiTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(3) };
    private readonly TestHosts _hosts = new(fixture);

    private Uri Api => fixture.System.HttpApi ?? throw new InvalidOperationException("the running system has no HTTP API");

    [Fact]
    public async Task ImagesGenerations_ReturnsPngOfTheRequestedSize_WithModeArmAndGenerationId()
    {
        var ct = TestContext.Current.CancellationToken;

        using var response = await PostAsync("/v1/images/generations", """{"prompt": "a red circle", "size": "48x32", "steps": 3, "mode": "chats"}""", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        var image = Assert.Single(root.GetProperty("data").EnumerateArray());
        Assert.Equal((48, 32), PngEncoder.ReadSize(Convert.FromBase64String(image.GetProperty("b64_json").GetString()!)));
        var chats = root.GetProperty("chats");
        Assert.Equal("chats", chats.GetProperty("mode").GetString());
        Assert.Equal("explicit", chats.GetProperty("arm").GetString());
        Assert.Equal(32, chats.GetProperty("generation_id").GetString()!.Length);
    }

    [Fact]
    public async Task TwoImages_HaveDistinctSeeds_AndTheSameBytesAsTheGrpcPath()
    {
        var ct = TestContext.Current.CancellationToken;

        using var response = await PostAsync("/v1/images/generations", """{"prompt": "a purple triangle", "n": 2, "size": "32x32", "steps": 3, "seed": 21, "mode": "chats", "model": "dall-e-2", "quality": "standard", "style": "vivid"}""", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([21UL, 22UL], data.Select(d => d.GetProperty("seed").GetUInt64()));
        var http = data.Select(d => Convert.FromBase64String(d.GetProperty("b64_json").GetString()!)).ToList();
        Assert.NotEqual(http[0], http[1]);

        using var client = fixture.GatewayClient();
        var request = Requests.Small("a purple triangle", GuidanceMode.Chats, steps: 3, seed: 21);
        request.NumImages = 2;
        var grpc = await client.GenerateAsync(request, cancellationToken: ct);
        Assert.Equal(grpc.Images.Select(i => i.Png.ToByteArray()), http);
    }

    [Theory]
    [InlineData("""{"prompt": "x", "size": "large"}""", "size", "size: 'large' is not WIDTHxHEIGHT")]
    [InlineData("""{"prompt": "x", "size": "33x32", "steps": 2}""", "size", "width: 33 is not a multiple of the model's spatial factor")]
    [InlineData("""{"prompt": "x", "steps": 500}""", "steps", "steps: 500 is outside [1, 150]")]
    [InlineData("""{"prompt": "x", "steps": "many"}""", "steps", "steps: must be an integer")]
    [InlineData("""{"prompt": "x", "n": 9}""", "n", "num_images: 9 is outside")]
    [InlineData("""{"prompt": "x", "n": 0}""", "n", "n: 0 is not positive")]
    [InlineData("""{"prompt": "x", "response_format": "url"}""", "response_format", "response_format: 'url' is not supported")]
    [InlineData("""{"prompt": "x", "mode": "best"}""", "mode", "mode: 'best' is not one of cfg, chats, chats_full")]
    [InlineData("""{"prompt": "x", "guidence_scale": 2}""", "guidence_scale", "guidence_scale: not a member of this request")]
    [InlineData("""{"prompt": ""}""", "prompt", "prompt: must not be empty")]
    [InlineData("""{"prompt": "x", """, null, "request body: not valid JSON")]
    [InlineData("""["a red circle"]""", null, "request body: must be a JSON object")]
    public async Task BadRequests_Are400_WithTheParamNamed(string body, string? param, string messageStart)
    {
        var ct = TestContext.Current.CancellationToken;

        using var response = await PostAsync("/v1/images/generations", body, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response, ct);
        Assert.StartsWith(messageStart, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ABodyOverTheLimit_Is413_WithAJsonError()
    {
        var ct = TestContext.Current.CancellationToken;
        string body = JsonSerializer.Serialize(new Dictionary<string, string> { ["prompt"] = new('x', 70_000) });

        using var response = await PostAsync("/v1/images/generations", body, ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await ErrorAsync(response, ct);
        Assert.Contains(GatewayHttpOptions.MaxHttpRequestBytesKey, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_SendsStarted_ProgressForEveryStep_EachImage_ThenDone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Api, "/v1/generations:stream"))
        {
            Content = Json("""{"prompt": "two yellow stars", "n": 2, "size": "32x48", "steps": 4, "seed": 9, "mode": "cfg", "user": "stream-user"}"""),
        };

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(ct)).EnumerateAsync(ct))
        {
            events.Add(item);
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["started", "progress", "progress", "progress", "progress", "image", "image", "done"], events.Select(e => e.EventType));
        using var started = JsonDocument.Parse(events[0].Data);
        Assert.Equal("cfg", started.RootElement.GetProperty("mode").GetString());
        Assert.Equal("explicit", started.RootElement.GetProperty("arm").GetString());
        Assert.Equal(4, started.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal((32, 48), (started.RootElement.GetProperty("width").GetInt32(), started.RootElement.GetProperty("height").GetInt32()));
        Assert.Equal([1, 2, 3, 4], events.Where(e => e.EventType == "progress").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("step").GetInt32()));
        var images = events.Where(e => e.EventType == "image").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.Equal([0, 1], images.Select(i => i.GetProperty("index").GetInt32()));
        Assert.Equal([9UL, 10UL], images.Select(i => i.GetProperty("seed").GetUInt64()));
        Assert.All(images, i => Assert.Equal((32, 48), PngEncoder.ReadSize(Convert.FromBase64String(i.GetProperty("b64_json").GetString()!))));
        Assert.Equal("{}", events[^1].Data);
    }

    [Fact]
    public async Task Stream_ABadRequest_IsRefusedWithItsHttpStatus_BeforeAnyEvent()
    {
        var ct = TestContext.Current.CancellationToken;

        using var response = await PostAsync("/v1/generations:stream", """{"prompt": "x", "steps": 999}""", ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("steps", json.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("steps: 999 is outside [1, 150]", json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stream_AClientThatDisconnects_CancelsTheGenerationAtTheSampler()
    {
        var ct = TestContext.Current.CancellationToken;
        string cancelledSeries = MetricsScrape.Requests("chats.v1.Sampler", "Generate", "Cancelled");
        string okSeries = MetricsScrape.Requests("chats.v1.Sampler", "Generate", "OK");
        string before = await MetricsScrape.ReadAsync(fixture, ct);

        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Api, "/v1/generations:stream"))
        {
            Content = Json("""{"prompt": "a long square", "size": "64x64", "steps": 150, "mode": "chats"}"""),
        })
        using (var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            // The first progress event arrives (each event is flushed as it happens), then the client goes away.
            await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(ct)).EnumerateAsync(ct))
            {
                if (item.EventType == "progress")
                {
                    break;
                }
            }
        }

        double cancelled = 0;
        for (int i = 0; i < 120 && cancelled < 1; i++)
        {
            await Task.Delay(250, ct);
            string now = await MetricsScrape.ReadAsync(fixture, ct);
            cancelled = MetricsScrape.Value(now, cancelledSeries) - MetricsScrape.Value(before, cancelledSeries);
            Assert.Equal(MetricsScrape.Value(before, okSeries), MetricsScrape.Value(now, okSeries));
        }

        Assert.Equal(1, cancelled);
    }

    [Fact]
    public async Task TheApiAndThePlayground_AreOnTheApiPortOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var metricsPort = fixture.System.Services["gateway"].Http;

        using var playground = await _http.GetAsync(Api, ct);
        using var apiOnMetricsPort = await _http.PostAsync(new Uri(metricsPort, "/v1/images/generations"), Json("""{"prompt": "x"}"""), ct);
        using var playgroundOnMetricsPort = await _http.GetAsync(metricsPort, ct);
        using var metricsOnApiPort = await _http.GetAsync(new Uri(Api, "metrics"), ct);
        using var healthOnApiPort = await _http.GetAsync(new Uri(Api, "healthz"), ct);
        using var metricsOnMetricsPort = await _http.GetAsync(new Uri(metricsPort, "metrics"), ct);

        Assert.Equal(HttpStatusCode.OK, playground.StatusCode);
        Assert.Equal("text/html", playground.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, apiOnMetricsPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, playgroundOnMetricsPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metricsOnApiPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, healthOnApiPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metricsOnMetricsPort.StatusCode);
    }

    [Fact]
    public async Task WithItsSamplerStopped_TheGatewayAnswers503_WithAJsonError()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct);
        var gateway = await _hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct);
        await sampler.StopAsync(ct);
        var api = gateway.HttpApiAddress()!;

        using var response = await _http.PostAsync(new Uri(api, "/v1/images/generations"), Json("""{"prompt": "a red circle", "size": "32x32", "steps": 2}"""), ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = await ErrorAsync(response, ct);
        Assert.Equal("unavailable", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task ASamplerAtCapacity_Is429_WithRetryAfterInSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct, new() { ["Sampler:MaxConcurrentGenerations"] = "1" });
        var gateway = await _hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct);
        using var client = new ChatsClient(gateway.BoundAddresses()[0]);
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A long generation holds the one slot (its first progress event means the sampler admitted it).
        var held = client.StreamAsync(Requests.Small("a long held square", GuidanceMode.Chats, steps: 150, seed: 3), hold.Token).GetAsyncEnumerator(hold.Token);
        while (await held.MoveNextAsync() && held.Current.EventCase != GenerateEvent.EventOneofCase.Progress)
        {
        }

        using var response = await _http.PostAsync(new Uri(gateway.HttpApiAddress()!, "/v1/images/generations"), Json("""{"prompt": "a red circle", "size": "32x32", "steps": 2}"""), ct);
        using var streamed = await _http.PostAsync(new Uri(gateway.HttpApiAddress()!, "/v1/generations:stream"), Json("""{"prompt": "a red circle", "size": "32x32", "steps": 2}"""), ct);
        await hold.CancelAsync();
        try
        {
            await held.DisposeAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
        {
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var error = await ErrorAsync(response, ct);
        Assert.Equal("resource_exhausted", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.EndsWith("retry in 1 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The stream is refused the same way, before any event: a status a caller or proxy can act on.
        Assert.Equal(HttpStatusCode.TooManyRequests, streamed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), streamed.Headers.RetryAfter?.Delta);
        Assert.Equal("resource_exhausted", (await ErrorAsync(streamed, ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheOfficialOpenAiNodeClient_GetsImagesOfTheSize_AndOurErrorAsItsBadRequestError()
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = Path.Combine(RepositoryRoot(), "tests", "node", "openai-client");
        Assert.True(
            Directory.Exists(Path.Combine(folder, "node_modules", "openai")),
            $"{folder}/node_modules is missing: run `npm ci --prefix tests/node/openai-client` in the repository first");
        string baseUrl = new Uri(Api, "v1").ToString();

        using var images = await NodeAsync(folder, ["generate.mjs", "--base-url", baseUrl, "--prompt", "a green triangle", "--size", "48x32", "--n", "2", "--user", "node-user", "--extra", """{"steps": 3, "seed": 5}"""], ct);
        using var refused = await NodeAsync(folder, ["generate.mjs", "--base-url", baseUrl, "--prompt", "a green triangle", "--size", "32x32", "--extra", """{"steps": 999}"""], ct);

        var result = images.RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        var data = result.GetProperty("result").GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        Assert.All(data, d => Assert.Equal((48, 32), PngEncoder.ReadSize(Convert.FromBase64String(d.GetProperty("b64_json").GetString()!))));
        Assert.Equal([5UL, 6UL], data.Select(d => d.GetProperty("seed").GetUInt64()));
        var error = refused.RootElement;
        Assert.False(error.GetProperty("ok").GetBoolean());
        Assert.True(error.GetProperty("isBadRequestError").GetBoolean(), error.ToString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("steps", error.GetProperty("param").GetString());
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.Contains("steps: 999 is outside [1, 150]", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _hosts.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body, CancellationToken ct)
        => await _http.PostAsync(new Uri(Api, path), Json(body), ct);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.GetProperty("error").Clone();
    }

    private static async Task<JsonDocument> NodeAsync(string folder, IEnumerable<string> args, CancellationToken ct)
    {
        var run = await ProcessRun.NodeAsync(folder, args, TimeSpan.FromMinutes(3), ct);
        Assert.True(run.ExitCode == 0, $"node {string.Join(' ', args)} exited {run.ExitCode}: {run.StandardError}");
        return JsonDocument.Parse(run.StandardOutput);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Chats.Microservices.sln not found above the test binaries");
    }
}
