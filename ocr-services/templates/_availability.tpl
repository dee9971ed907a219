{{/*
HorizontalPodAutoscaler and PodDisruptionBudget, written once for both
components. Call with (dict "root" $ "component" "gateway"|"modelServer").
*/}}
{{- define "ocr-services.hpa" -}}
{{- $root := .root }}
{{- $v := index $root.Values .component }}
{{- $name := include (printf "ocr-services.%s.fullname" .component) $root }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include (printf "ocr-services.%s.labels" .component) $root | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}

{{- define "ocr-services.pdb" -}}
{{- $root := .root }}
{{- $pdb := (index $root.Values .component).podDisruptionBudget }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include (printf "ocr-services.%s.fullname" .component) $root }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include (printf "ocr-services.%s.labels" .component) $root | nindent 4 }}
spec:
  {{- if ne (toString $pdb.minAvailable) "" }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include (printf "ocr-services.%s.selectorLabels" .component) $root | nindent 6 }}
{{- end }}
