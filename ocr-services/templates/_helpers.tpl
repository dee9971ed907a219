{{/*
Naming, labels and derived values shared by every template.
Names are truncated to 63 characters (DNS label limit of Service names).
*/}}

{{/* Chart name, or nameOverride. */}}
{{- define "ocr-services.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-based prefix of every resource name. The release name alone when it
already contains the chart name (release "ocr-services" -> "ocr-services").
*/}}
{{- define "ocr-services.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart label value: name-version. */}}
{{- define "ocr-services.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that never change for a release: used in selectors. */}}
{{- define "ocr-services.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ocr-services.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "ocr-services.labels" -}}
helm.sh/chart: {{ include "ocr-services.chart" . }}
{{ include "ocr-services.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ocr-services
{{- end }}

{{/* Model server: name, selector labels (with component) and labels. */}}
{{- define "ocr-services.modelServer.fullname" -}}
{{- printf "%s-model-server" (include "ocr-services.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ocr-services.modelServer.selectorLabels" -}}
{{ include "ocr-services.selectorLabels" . }}
app.kubernetes.io/component: model-server
{{- end }}

{{- define "ocr-services.modelServer.labels" -}}
{{ include "ocr-services.labels" . }}
app.kubernetes.io/component: model-server
{{- end }}

{{/* Gateway: name, selector labels (with component) and labels. */}}
{{- define "ocr-services.gateway.fullname" -}}
{{- printf "%s-gateway" (include "ocr-services.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ocr-services.gateway.selectorLabels" -}}
{{ include "ocr-services.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "ocr-services.gateway.labels" -}}
{{ include "ocr-services.labels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{/*
The one place the model server's address is built; the gateway's --model-url
is this and nothing else. Plain mode: the chart's model Service (same
namespace, short name) and its http port, or with
gateway.upstreamProtocol=grpc grpc://<Service>:<grpc port>. KServe mode: the
predictor Service KServe creates for the InferenceService, which listens on
port 80 (HTTP only: the predictor has one port, so gRPC is refused there).
*/}}
{{- define "ocr-services.modelServer.url" -}}
{{- $grpc := eq .Values.gateway.upstreamProtocol "grpc" }}
{{- if .Values.kserve.enabled }}
{{- if $grpc }}
{{- fail "gateway.upstreamProtocol=grpc needs the plain model Service (kserve.enabled=false): the KServe predictor serves HTTP on one port only; use v2-json or v2-binary" }}
{{- end }}
{{- printf "http://%s-predictor.%s.svc.cluster.local:80" (include "ocr-services.modelServer.fullname" .) .Release.Namespace }}
{{- else if $grpc }}
{{- printf "grpc://%s:%d" (include "ocr-services.modelServer.fullname" .) (int .Values.modelServer.service.grpcPort) }}
{{- else }}
{{- printf "http://%s:%d" (include "ocr-services.modelServer.fullname" .) (int .Values.modelServer.service.httpPort) }}
{{- end }}
{{- end }}

{{/*
Engines per model pod: modelServer.engines when > 0, else ceil of
resources.limits.cpu ("2" -> 2, "1500m" -> 2, 0.5 -> 1), else ceil of
requests.cpu, else 1. Each engine runs one OCR on one core, so more engines
than the CPU limit only adds throttling.
*/}}
{{- define "ocr-services.modelServer.engines" -}}
{{- $engines := int .Values.modelServer.engines }}
{{- if le $engines 0 }}
{{- $res := .Values.modelServer.resources | default dict }}
{{- $cpu := dig "limits" "cpu" "" $res | toString }}
{{- if eq $cpu "" }}
{{- $cpu = dig "requests" "cpu" "" $res | toString }}
{{- end }}
{{- $engines = include "ocr-services.cpuCeil" $cpu | int }}
{{- end }}
{{- max 1 $engines }}
{{- end }}

{{/*
Pages of jobs the gateway keeps in flight on the model Service
(--job-page-concurrency): gateway.jobs.pageConcurrency when > 0, else the
engines per model pod times the model pods there are at least
(modelServer.replicaCount; the autoscaler's minReplicas; in KServe mode
kserve.minReplicas), so that one job can keep every engine busy.
*/}}
{{- define "ocr-services.gateway.jobPageConcurrency" -}}
{{- $n := int .Values.gateway.jobs.pageConcurrency }}
{{- if le $n 0 }}
{{- $replicas := int .Values.modelServer.replicaCount }}
{{- if .Values.kserve.enabled }}
{{- $replicas = int .Values.kserve.minReplicas }}
{{- else if .Values.modelServer.autoscaling.enabled }}
{{- $replicas = int .Values.modelServer.autoscaling.minReplicas }}
{{- end }}
{{- $n = mul (include "ocr-services.modelServer.engines" . | int) (max 1 $replicas) }}
{{- end }}
{{- $n }}
{{- end }}

{{/* Mount path of the gateway's job folder (--job-dir), on the `jobs` volume. */}}
{{- define "ocr-services.gateway.jobDir" -}}
/var/lib/ocr-gateway/jobs
{{- end }}

{{/* Name of the chart-made PersistentVolumeClaim of the gateway's jobs. */}}
{{- define "ocr-services.gateway.jobsClaimName" -}}
{{- with .Values.gateway.jobs.persistence.existingClaim }}
{{- . }}
{{- else }}
{{- printf "%s-jobs" (include "ocr-services.gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* ceil() of a Kubernetes CPU quantity ("2", "1.5", "1500m"); 0 for "". */}}
{{- define "ocr-services.cpuCeil" -}}
{{- if eq . "" }}
{{- 0 }}
{{- else if hasSuffix "m" . }}
{{- div (add (trimSuffix "m" . | int64) 999) 1000 }}
{{- else }}
{{- ceil (float64 .) | int64 }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds of a component (pass the component's values):
the explicit value, else shutdown grace + preStop sleep + 10 s of slack.
Refuses a value that would cut the drain short.
*/}}
{{- define "ocr-services.terminationGrace" -}}
{{- $min := add (int .shutdownGraceSeconds) (int .preStopSleepSeconds) }}
{{- $tgp := int .terminationGracePeriodSeconds }}
{{- if eq $tgp 0 }}
{{- add $min 10 }}
{{- else if le $tgp $min }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed shutdownGraceSeconds + preStopSleepSeconds (%d)" $tgp $min) }}
{{- else }}
{{- $tgp }}
{{- end }}
{{- end }}

{{/* Image reference: repository:tag, tag defaulting to the appVersion. */}}
{{- define "ocr-services.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "ocr-services.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ocr-services.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of a component's chart-managed Secret of extra environment variables
(pass dict root, component: "modelServer" or "gateway"). */}}
{{- define "ocr-services.secretEnvName" -}}
{{- printf "%s-env" (include (printf "ocr-services.%s.fullname" .component) .root) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* envFrom entries of one component's optional Secrets (pass dict root, component). */}}
{{- define "ocr-services.secretEnvFrom" -}}
{{- $v := index .root.Values .component }}
{{- if $v.secretEnv }}
- secretRef:
    name: {{ include "ocr-services.secretEnvName" . }}
{{- end }}
{{- if $v.existingSecretEnv }}
- secretRef:
    name: {{ $v.existingSecretEnv }}
{{- end }}
{{- end }}

{{/* Pod annotations that make Prometheus scrape a pod (pass dict root, port). */}}
{{- define "ocr-services.scrapeAnnotations" -}}
{{- if .root.Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{/*
preStop hook: sleep so the endpoint controller and kube-proxy drop the pod
before SIGTERM starts the service's own drain. Needs `sleep` in the image.
*/}}
{{- define "ocr-services.preStop" -}}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ int . }}"]
{{- end }}
