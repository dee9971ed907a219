{{/*
The model server's container and pod-level settings, shared by the plain
Deployment and the KServe InferenceService predictor (which requires the
container name "kserve-container", one port, and no startup probe).
Call with (dict "root" $ "kserve" true|false).
*/}}
{{- define "ocr-services.modelServer.container" -}}
{{- $root := .root }}
{{- $v := $root.Values.modelServer }}
- name: {{ .kserve | ternary "kserve-container" "model-server" }}
  image: {{ include "ocr-services.image" (dict "image" $v.image "root" $root) | quote }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  args:
    - --http-port=8080
    # V2 gRPC (inference.GRPCInferenceService, grpc.health.v1, reflection).
    - --grpc-port=8081
    - --engines={{ include "ocr-services.modelServer.engines" $root }}
    - --shutdown-grace={{ int $v.shutdownGraceSeconds }}
  envFrom:
    - configMapRef:
        name: {{ include "ocr-services.modelServer.fullname" $root }}
    {{- with include "ocr-services.secretEnvFrom" (dict "root" $root "component" "modelServer") | trim }}
    {{- . | nindent 4 }}
    {{- end }}
  ports:
    {{- if .kserve }}
    # KServe (Knative) accepts one unnamed serving port.
    - containerPort: 8080
      protocol: TCP
    {{- else }}
    - name: http
      containerPort: 8080
      protocol: TCP
    # V2 gRPC; the gateway uses it with gateway.upstreamProtocol=grpc.
    - name: grpc
      containerPort: 8081
      protocol: TCP
    {{- end }}
  {{- if not .kserve }}
  startupProbe:
    httpGet:
      path: /v2/health/live
      port: http
    {{- toYaml $v.probes.startup | nindent 4 }}
  {{- end }}
  livenessProbe:
    httpGet:
      path: /v2/health/live
      port: {{ .kserve | ternary 8080 "http" }}
    {{- toYaml $v.probes.liveness | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /v2/health/ready
      port: {{ .kserve | ternary 8080 "http" }}
    {{- toYaml $v.probes.readiness | nindent 4 }}
  {{- include "ocr-services.preStop" $v.preStopSleepSeconds | nindent 2 }}
  resources:
    {{- toYaml $v.resources | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}

{{/* Pod-level fields after `containers` (call with the root context). */}}
{{- define "ocr-services.modelServer.podExtras" -}}
serviceAccountName: {{ include "ocr-services.serviceAccountName" . }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ include "ocr-services.terminationGrace" .Values.modelServer }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.modelServer.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.modelServer.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.modelServer.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  # The root filesystem is read-only; /tmp is the only writable place.
  - name: tmp
    emptyDir: {}
{{- end }}

{{/* Pod annotations of the model server (call with the root context). */}}
{{- define "ocr-services.modelServer.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/model-server/configmap.yaml") . | sha256sum }}
checksum/secret-env: {{ include (print .Template.BasePath "/secret-env.yaml") . | sha256sum }}
{{- with include "ocr-services.scrapeAnnotations" (dict "root" . "port" 8080) | trim }}
{{ . }}
{{- end }}
{{- with .Values.modelServer.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
