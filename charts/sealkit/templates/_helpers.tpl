{{/* Labels of every object (deploy/ gives the same ones). */}}
{{- define "sealkit.partOf" -}}
app.kubernetes.io/part-of: sealkit
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of the controller's own objects. */}}
{{- define "sealkit.labels" -}}
app.kubernetes.io/name: sealkit-controller
{{ include "sealkit.partOf" . }}
{{- end }}

{{- define "sealkit.selector" -}}
app.kubernetes.io/name: sealkit-controller
{{- end }}

{{- define "sealkit.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}
