using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Chats.IntegrationTests.Deploy;

/// <summary>
/// What deploy/k8s promises, checked on the objects both overlays render to (kubectl kustomize through
/// deploy/validate/validate.mjs, which also validates them against the Kubernetes schemas): Pod Security "restricted",
/// drains that fit the grace period, gRPC readiness with a liveness that survives a drain, a PDB per Deployment,
/// default-deny NetworkPolicies, Redis behind a password and reachable from the text encoder alone, only the gateway
/// exposed, API keys on, GPUs in the gpu overlay only, the model location in one ConfigMap, HPAs on in-flight work.
/// </summary>
public sealed partial class KubernetesManifestTests(RenderedManifests manifests) : IClassFixture<RenderedManifests>
{
    public static TheoryData<string> Overlays => ["cpu", "gpu"];

    private static readonly string[] ModelServices = ["chats-text-encoder", "chats-denoiser-preferred", "chats-denoiser-dispreferred", "chats-denoiser-standard", "chats-decoder"];
    private static readonly string[] Denoisers = ["chats-denoiser-preferred", "chats-denoiser-dispreferred", "chats-denoiser-standard"];

    [Fact]
    public void EveryOverlay_AndSkaffold_PassTheirSchemas()
    {
        Assert.Null(manifests.Missing);
        Assert.True(manifests.ExitCode == 0, $"deploy/validate/validate.mjs exited {manifests.ExitCode}:\n{manifests.Output}");
        Assert.Contains("deploy/validate: ok", manifests.Output, StringComparison.Ordinal);
        Assert.Equal(["cpu", "gpu"], manifests.Overlays.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_MeetsPodSecurityRestricted(string overlay)
    {
        var objects = manifests.Of(overlay);
        var ns = objects.Named("Namespace", "chats");
        Assert.Equal("restricted", (string?)ns["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]);
        var problems = new List<string>();
        foreach (var deployment in objects.OfKind("Deployment"))
        {
            string name = deployment.Name();
            var pod = deployment.PodSpec();
            var podSecurity = pod["securityContext"];
            if ((bool?)podSecurity?["runAsNonRoot"] != true) problems.Add($"{name}: securityContext.runAsNonRoot is not true");
            if (podSecurity?["runAsUser"] is null || (long)podSecurity["runAsUser"]! == 0) problems.Add($"{name}: securityContext.runAsUser is not a non-zero UID");
            foreach (string hostField in new[] { "hostNetwork", "hostPID", "hostIPC" })
            {
                if ((bool?)pod[hostField] == true) problems.Add($"{name}: {hostField}");
            }

            foreach (var volume in pod["volumes"]?.AsArray() ?? [])
            {
                if (volume!["hostPath"] is not null) problems.Add($"{name}: hostPath volume {volume["name"]}");
            }

            foreach (var container in pod.Containers())
            {
                string where = $"{name}/{container["name"]}";
                var security = container["securityContext"];
                if ((bool?)security?["allowPrivilegeEscalation"] != false) problems.Add($"{where}: allowPrivilegeEscalation is not false");
                if ((bool?)security?["privileged"] == true) problems.Add($"{where}: privileged");
                if ((bool?)security?["readOnlyRootFilesystem"] != true) problems.Add($"{where}: readOnlyRootFilesystem is not true");
                var drop = (security?["capabilities"]?["drop"]?.AsArray() ?? []).Select(c => (string?)c);
                if (!drop.Contains("ALL")) problems.Add($"{where}: capabilities.drop does not hold ALL");
                if ((security?["capabilities"]?["add"]?.AsArray() ?? []).Any(c => (string?)c != "NET_BIND_SERVICE")) problems.Add($"{where}: adds a capability");
                string? seccomp = (string?)(security?["seccompProfile"] ?? podSecurity?["seccompProfile"])?["type"];
                if (seccomp is not ("RuntimeDefault" or "Localhost")) problems.Add($"{where}: seccompProfile is {seccomp ?? "unset"}");
                if ((long?)security?["runAsUser"] == 0) problems.Add($"{where}: runAsUser 0");
            }

            // The .NET services write only to /tmp: an emptyDir there, with the root filesystem read-only.
            if (name != "chats-redis")
            {
                var tmp = deployment.MainContainer()["volumeMounts"]?.AsArray().SingleOrDefault(m => (string?)m!["mountPath"] == "/tmp");
                var volume = pod["volumes"]?.AsArray().SingleOrDefault(v => (string?)v!["name"] == (string?)tmp?["name"]);
                if (volume?["emptyDir"] is null) problems.Add($"{name}: no emptyDir at /tmp");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryChatsService_DrainsWithinItsGracePeriod_WithAPreStopPause(string overlay)
    {
        var problems = new List<string>();
        var chats = manifests.Of(overlay).OfKind("Deployment").Where(d => d.Name() != "chats-redis").ToList();
        Assert.Equal(7, chats.Count);
        foreach (var deployment in chats)
        {
            var container = deployment.MainContainer();
            long grace = (long?)deployment.PodSpec()["terminationGracePeriodSeconds"] ?? 30;
            string? drain = container.EnvValue("Endpoints__DrainTimeout");
            var preStop = container["lifecycle"]?["preStop"];
            double pause = preStop?["exec"]?["command"]?.AsArray() is { } command
                ? double.Parse((string)command[^1]!, CultureInfo.InvariantCulture)
                : (double?)preStop?["sleep"]?["seconds"] ?? 0;
            if (drain is null)
            {
                problems.Add($"{deployment.Name()}: Endpoints__DrainTimeout is not set");
                continue;
            }

            double drainSeconds = TimeSpan.Parse(drain, CultureInfo.InvariantCulture).TotalSeconds;
            if (pause <= 0) problems.Add($"{deployment.Name()}: no preStop pause");
            if (grace <= pause + drainSeconds) problems.Add($"{deployment.Name()}: terminationGracePeriodSeconds {grace} does not exceed preStop {pause} s + drain {drain}");
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryChatsService_IsReadyByGrpcHealth_AndLiveByLivez_WithTimeToLoadModels(string overlay)
    {
        var problems = new List<string>();
        foreach (var deployment in manifests.Of(overlay).OfKind("Deployment").Where(d => d.Name() != "chats-redis"))
        {
            string name = deployment.Name();
            var container = deployment.MainContainer();
            int grpcPort = (int)container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "grpc")!["containerPort"]!;
            if ((int?)container["readinessProbe"]?["grpc"]?["port"] != grpcPort) problems.Add($"{name}: readinessProbe is not a grpc probe on port {grpcPort}");
            var live = container["livenessProbe"]?["httpGet"];
            if ((string?)live?["path"] != "/livez" || (string?)live?["port"] != "http-metrics") problems.Add($"{name}: livenessProbe is not httpGet /livez on http-metrics");
            var startup = container["startupProbe"];
            long budget = ((long?)startup?["periodSeconds"] ?? 10) * ((long?)startup?["failureThreshold"] ?? 3);
            long wanted = ModelServices.Contains(name) ? 600 : 60;
            if (startup is null || budget < wanted) problems.Add($"{name}: startupProbe allows {budget} s, wanted at least {wanted} s");
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryDeployment_HasADisruptionBudget_ThatSelectsItsPods_AndStillAllowsADrain(string overlay)
    {
        var objects = manifests.Of(overlay);
        var budgets = objects.OfKind("PodDisruptionBudget").ToList();
        var problems = new List<string>();
        foreach (var deployment in objects.OfKind("Deployment"))
        {
            var labels = deployment.PodLabels();
            var mine = budgets.Where(b => b["spec"]!["selector"].Selects(labels)).ToList();
            if (mine.Count != 1)
            {
                problems.Add($"{deployment.Name()}: {mine.Count} PodDisruptionBudgets select its pods");
                continue;
            }

            var spec = mine[0]["spec"]!;
            long replicas = (long?)deployment["spec"]!["replicas"] ?? 1;
            bool allowsEviction = spec["maxUnavailable"] is { } max ? (long)max >= 1 : (long)spec["minAvailable"]! < replicas;
            if (!allowsEviction) problems.Add($"{deployment.Name()}: its PodDisruptionBudget never lets a pod be evicted");
        }

        foreach (var name in ModelServices.Append("chats-sampler").Append("chats-gateway"))
        {
            if (((long?)objects.Named("Deployment", name)["spec"]!["replicas"] ?? 1) < 2) problems.Add($"{name}: fewer than 2 replicas, so a disruption takes the role down");
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NetworkPolicies_DenyByDefault_AndAdmitEachCallerOnItsPortOnly(string overlay)
    {
        var objects = manifests.Of(overlay);
        var policies = objects.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p => p["spec"]!["podSelector"].IsEmptySelector()
            && (p["spec"]!["policyTypes"]?.AsArray() ?? []).Any(t => (string?)t == "Ingress")
            && (p["spec"]!["ingress"]?.AsArray().Count ?? 0) == 0);

        string[] monitoring = ["prometheus@monitoring:5001"];
        var expected = new Dictionary<string, string[]>
        {
            ["chats-gateway"] = ["anywhere:5000", "anywhere:8080", .. monitoring],
            ["chats-sampler"] = ["chats-gateway:5000", .. monitoring],
            ["chats-redis"] = ["chats-text-encoder:6379"],
        };
        foreach (string model in ModelServices)
        {
            expected[model] = ["chats-sampler:5000", .. monitoring];
        }

        var deployments = objects.OfKind("Deployment").ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), deployments.Select(d => d.Name()).Order(StringComparer.Ordinal));
        foreach (var deployment in deployments)
        {
            var admitted = Admitted(deployment, policies, deployments);
            Assert.True(
                expected[deployment.Name()].Order(StringComparer.Ordinal).SequenceEqual(admitted.Order(StringComparer.Ordinal)),
                $"{deployment.Name()} admits [{string.Join(", ", admitted.Order(StringComparer.Ordinal))}], expected [{string.Join(", ", expected[deployment.Name()])}]");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void OnlyTheGateway_IsExposed_AndTheSamplerAndItsRolesAreHeadlessDnsAddresses(string overlay)
    {
        var objects = manifests.Of(overlay);
        var services = objects.OfKind("Service").ToList();
        var exposed = services.Where(s => (string?)s["spec"]!["type"] is "LoadBalancer" or "NodePort" || s["spec"]!["externalIPs"] is not null).ToList();
        var gateway = Assert.Single(exposed);
        Assert.Equal("chats-gateway", gateway.Name());
        Assert.Equal([5000, 8080], gateway["spec"]!["ports"]!.AsArray().Select(p => (int)p!["port"]!).Order());
        Assert.Equal("8080", objects.Named("Deployment", "chats-gateway").MainContainer().EnvValue("Gateway__HttpApiPort"));
        Assert.DoesNotContain(objects.OfKind("Ingress"), _ => true);

        var sampler = objects.Named("Deployment", "chats-sampler").MainContainer();
        var addresses = new Dictionary<string, string?>
        {
            ["gateway → sampler"] = objects.Named("Deployment", "chats-gateway").MainContainer().EnvValue("Gateway__Samplers__0"),
            ["Sampler__TextEncoder"] = sampler.EnvValue("Sampler__TextEncoder"),
            ["Sampler__Preferred"] = sampler.EnvValue("Sampler__Preferred"),
            ["Sampler__Dispreferred"] = sampler.EnvValue("Sampler__Dispreferred"),
            ["Sampler__Standard"] = sampler.EnvValue("Sampler__Standard"),
            ["Sampler__Decoder"] = sampler.EnvValue("Sampler__Decoder"),
        };
        foreach (var (key, address) in addresses)
        {
            var match = DnsAddress().Match(address ?? string.Empty);
            Assert.True(match.Success, $"{key} = {address}: not a dns:///<service>.chats.svc.cluster.local:<port> address");
            var service = services.Single(s => s.Name() == match.Groups["service"].Value);
            Assert.Equal("None", (string?)service["spec"]!["clusterIP"]);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Redis_RequiresThePasswordOfASecret_ThatTheTextEncoderSends(string overlay)
    {
        var objects = manifests.Of(overlay);
        var redis = objects.Named("Deployment", "chats-redis").MainContainer();
        var args = redis["args"]!.AsArray().Select(a => (string)a!).ToList();
        int at = args.IndexOf("--requirepass");
        Assert.True(at >= 0 && at + 1 < args.Count, "redis-server has no --requirepass");
        Assert.Equal("$(REDIS_PASSWORD)", args[at + 1]);
        var secretRef = SecretKeyOf(redis, "REDIS_PASSWORD");
        Assert.Contains(objects.OfKind("Secret"), s => s.Name() == secretRef.Secret && s["data"]?[secretRef.Key] is not null);

        var encoder = objects.Named("Deployment", "chats-text-encoder").MainContainer();
        var env = encoder.Env().Select(e => (string)e["name"]!).ToList();
        Assert.Equal(secretRef, SecretKeyOf(encoder, "REDIS_PASSWORD"));
        // $(VAR) expands only variables defined earlier in the list.
        Assert.True(env.IndexOf("REDIS_PASSWORD") < env.IndexOf("EmbeddingCache__Redis"), "REDIS_PASSWORD must come before EmbeddingCache__Redis");
        Assert.Contains("password=$(REDIS_PASSWORD)", encoder.EnvValue("EmbeddingCache__Redis"), StringComparison.Ordinal);
        Assert.All(objects.OfKind("Deployment").Where(d => d.Name() is not ("chats-redis" or "chats-text-encoder")),
            d => Assert.DoesNotContain(d.PodSpec().Containers(), c => c.Env().Any(e => e["valueFrom"]?["secretKeyRef"]?["name"] is { } n && (string?)n == secretRef.Secret)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Gateway_RequiresApiKeys_StoredAsHashesInASecret(string overlay)
    {
        var objects = manifests.Of(overlay);
        var gateway = objects.Named("Deployment", "chats-gateway").MainContainer();
        Assert.Equal("true", gateway.EnvValue("Gateway__Auth__Enabled"));
        string secretName = Assert.Single(gateway.EnvFromNames("secretRef"));
        var data = objects.Named("Secret", secretName)["data"]!.AsObject()
            .ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(Convert.FromBase64String(((string)p.Value!).Replace("\n", "", StringComparison.Ordinal))));
        Assert.False(string.IsNullOrWhiteSpace(data.GetValueOrDefault("Gateway__Auth__Keys__0__Name")), "the key Secret names no key 0");
        Assert.Matches("^[0-9a-f]{64}$", data.GetValueOrDefault("Gateway__Auth__Keys__0__Sha256") ?? string.Empty);
        Assert.All(data.Keys, k => Assert.StartsWith("Gateway__Auth__Keys__", k, StringComparison.Ordinal));
    }

    [Fact]
    public void GpuOverlay_GivesEachDenoiserAGpu_TheCudaImageAndDevice_AndCpuOverlayAsksForNone()
    {
        var gpu = manifests.Of("gpu");
        foreach (var deployment in gpu.OfKind("Deployment"))
        {
            var container = deployment.MainContainer();
            string name = deployment.Name();
            string? limit = container["resources"]?["limits"]?["nvidia.com/gpu"]?.ToString();
            if (Denoisers.Contains(name))
            {
                Assert.True(limit is not null && long.Parse(limit, CultureInfo.InvariantCulture) >= 1, $"{name}: no nvidia.com/gpu limit");
                Assert.Equal(limit, container["resources"]?["requests"]?["nvidia.com/gpu"]?.ToString());
                Assert.Contains(deployment.PodSpec()["tolerations"]?.AsArray() ?? [], t => (string?)t!["key"] == "nvidia.com/gpu");
                Assert.EndsWith("cuda", (string)container["image"]!, StringComparison.Ordinal);
                Assert.Equal("cuda", container.EnvValue("Denoiser__Device"));
            }
            else
            {
                Assert.True(limit is null, $"{name} asks for a GPU");
            }
        }

        var cpu = manifests.Of("cpu");
        string cpuText = string.Join('\n', cpu.Select(o => o.ToJsonString()));
        Assert.DoesNotContain("nvidia.com/gpu", cpuText, StringComparison.Ordinal);
        Assert.DoesNotContain("cuda", cpuText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void ModelLocation_IsSetInOneConfigMap_ThatEveryModelPathAndTheInitContainerRead(string overlay)
    {
        var objects = manifests.Of(overlay);
        var models = Assert.Single(objects.OfKind("ConfigMap"), c => c["data"]?["MODEL_ROOT"] is not null);
        string root = (string)models["data"]!["MODEL_ROOT"]!;
        var problems = new List<string>();
        int modelPaths = 0;
        foreach (var deployment in objects.OfKind("Deployment").Where(d => d.Name() != "chats-redis" && d.Name() != "chats-gateway"))
        {
            string name = deployment.Name();
            var pod = deployment.PodSpec();
            var main = deployment.MainContainer();
            foreach (var env in main.Env().Where(e => ((string)e["name"]!).EndsWith("__ModelPath", StringComparison.Ordinal)))
            {
                modelPaths++;
                if (!((string?)env["value"] ?? string.Empty).StartsWith("$(MODEL_ROOT)/$(MODEL_", StringComparison.Ordinal)) problems.Add($"{name}: {env["name"]} = {env["value"]} is not built from the ConfigMap");
            }

            if (!main.EnvFromNames("configMapRef").Contains(models.Name())) problems.Add($"{name}: does not read ConfigMap {models.Name()}");
            var mount = main["volumeMounts"]?.AsArray().SingleOrDefault(m => (string?)m!["mountPath"] == root);
            if (mount is null || (bool?)mount["readOnly"] != true) problems.Add($"{name}: no read-only model volume at MODEL_ROOT ({root})");
            var init = pod["initContainers"]?.AsArray().Select(c => c!.AsObject()).SingleOrDefault(c => (string?)c["name"] == "models");
            if (init is null)
            {
                problems.Add($"{name}: no `models` init container");
                continue;
            }

            if (!init.EnvFromNames("configMapRef").Contains(models.Name())) problems.Add($"{name}: the init container does not read {models.Name()}");
            var initMount = init["volumeMounts"]?.AsArray().SingleOrDefault(m => (string?)m!["name"] == (string?)mount?["name"]);
            if ((string?)initMount?["mountPath"] != root || (bool?)initMount?["readOnly"] == true) problems.Add($"{name}: the init container does not write the model volume at {root}");
        }

        Assert.Equal(6, modelPaths);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        string everything = string.Join('\n', objects.Where(o => o != models).Select(o => o.ToJsonString()));
        Assert.DoesNotContain((string)models["data"]!["MODEL_PIPELINE"]!, everything, StringComparison.Ordinal);
    }

    [Fact]
    public void Denoisers_ComeFromOneBase_NotCopies()
    {
        string k8s = Path.Combine(manifests.Root, "deploy", "k8s");
        var definitions = Directory.EnumerateFiles(k8s, "*.yaml", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("image: chats-denoiser", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(manifests.Root, f))
            .ToList();
        Assert.Equal(["deploy/k8s/denoiser/base/denoiser.yaml"], definitions);
        var rendered = manifests.Of("cpu").OfKind("Deployment").Where(d => Denoisers.Contains(d.Name())).ToList();
        Assert.Equal(3, rendered.Count);
        Assert.Equal(["Dispreferred", "Preferred", "Standard"], rendered.Select(d => d.MainContainer().EnvValue("Denoiser__Role")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Autoscalers_ScaleOnInFlightWork_ThroughMetricsTheServicesExport(string overlay)
    {
        var objects = manifests.Of(overlay);
        string metricsSource = File.ReadAllText(Path.Combine(manifests.Root, "services", "Chats.ServiceDefaults", "ChatsMetrics.cs"));
        var hpas = objects.OfKind("HorizontalPodAutoscaler").ToList();
        Assert.Equal(Denoisers.Append("chats-sampler").Order(StringComparer.Ordinal), hpas.Select(h => (string)h["spec"]!["scaleTargetRef"]!["name"]!).Order(StringComparer.Ordinal));
        foreach (var hpa in hpas)
        {
            string target = (string)hpa["spec"]!["scaleTargetRef"]!["name"]!;
            objects.Named("Deployment", target);
            var metrics = hpa["spec"]!["metrics"]!.AsArray().Select(m => m!.AsObject()).ToList();
            Assert.NotEmpty(metrics);
            foreach (var metric in metrics)
            {
                string type = (string)metric["type"]!;
                Assert.True(type is "Pods" or "Object" or "External", $"{hpa.Name()}: a {type} metric (CPU/memory say little about in-flight generations)");
                string name = (string)metric[type.ToLowerInvariant()]!["metric"]!["name"]!;
                Assert.Contains($"\"{name}\"", metricsSource, StringComparison.Ordinal);
            }
        }

        Assert.Contains("chats_sampler_inflight_generations", objects.Named("HorizontalPodAutoscaler", "chats-sampler").ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(manifests.Monitoring, o => (string?)o["kind"] == "ConfigMap" && o.ToJsonString().Contains("chats_denoiser_active_sessions", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void ServiceMonitor_ScrapesEveryMetricsPort_AndNoPublicServiceCarriesOne(string overlay)
    {
        var objects = manifests.Of(overlay);
        var monitor = Assert.Single(objects.OfKind("ServiceMonitor"));
        Assert.Equal("http-metrics", (string?)monitor["spec"]!["endpoints"]![0]!["port"]);
        var services = objects.OfKind("Service").ToList();
        var withMetrics = services.Where(s => s["spec"]!["ports"]!.AsArray().Any(p => (string?)p!["name"] == "http-metrics")).ToList();
        foreach (var service in withMetrics)
        {
            var labels = service["metadata"]!["labels"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
            Assert.True(monitor["spec"]!["selector"].Selects(labels), $"the ServiceMonitor does not select {service.Name()}");
        }

        var scraped = objects.OfKind("Deployment").Where(d => d.Name() != "chats-redis")
            .Where(d => withMetrics.Any(s => s["spec"]!["selector"]!.AsObject().All(p => d.PodLabels().GetValueOrDefault(p.Key) == (string?)p.Value)))
            .Select(d => d.Name());
        Assert.Equal(7, scraped.Count());
        Assert.DoesNotContain(objects.Named("Service", "chats-gateway")["spec"]!["ports"]!.AsArray(), p => (int)p!["port"]! == 5001);
    }

    private static (string Secret, string Key) SecretKeyOf(JsonObject container, string variable)
    {
        var reference = container.Env().Single(e => (string?)e["name"] == variable)["valueFrom"]?["secretKeyRef"];
        Assert.True(reference is not null, $"{container["name"]}: {variable} is not from a Secret");
        return ((string)reference["name"]!, (string)reference["key"]!);
    }

    // Who may open connections to the pods of `target`, as "<deployment>:<port>", "anywhere:<port>" or
    // "<pod name label>@<namespace>:<port>" for peers in other namespaces.
    private static List<string> Admitted(JsonObject target, List<JsonObject> policies, List<JsonObject> deployments)
    {
        var labels = target.PodLabels();
        var admitted = new List<string>();
        foreach (var policy in policies.Where(p => p["spec"]!["podSelector"].Selects(labels)))
        {
            foreach (var rule in policy["spec"]!["ingress"]?.AsArray() ?? [])
            {
                var ports = (rule!["ports"]?.AsArray() ?? []).Select(p => p!["port"]!.ToString()).DefaultIfEmpty("all").ToList();
                var peers = new List<string>();
                var from = rule["from"]?.AsArray() ?? [];
                if (from.Count == 0)
                {
                    peers.Add("anywhere");
                }

                foreach (var peer in from)
                {
                    if (peer!["ipBlock"] is { } block)
                    {
                        peers.Add($"ip {block["cidr"]}");
                    }
                    else if (peer["namespaceSelector"] is { } namespaces)
                    {
                        string ns = (string?)namespaces["matchLabels"]?["kubernetes.io/metadata.name"] ?? "any-namespace";
                        string pods = (string?)peer["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"] ?? "any-pod";
                        peers.Add($"{pods}@{ns}");
                    }
                    else
                    {
                        peers.AddRange(deployments.Where(d => peer["podSelector"].Selects(d.PodLabels())).Select(d => d.Name()));
                    }
                }

                admitted.AddRange(peers.SelectMany(peer => ports.Select(port => $"{peer}:{port}")));
            }
        }

        return [.. admitted.Distinct()];
    }

    [GeneratedRegex(@"^dns:///(?<service>[a-z0-9-]+)\.chats\.svc\.cluster\.local:\d+$")]
    private static partial Regex DnsAddress();
}
