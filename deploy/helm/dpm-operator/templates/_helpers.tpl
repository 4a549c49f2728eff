{{/*
Chart name.
*/}}
{{- define "dpm-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: `<release>-<chart>`, or just the release name when it equals the chart name. Unlike the
usual "contains" shortcut this is injective, so two releases in one namespace never share a name.
Longer than 45 characters: shortened to 36 plus a hash of the whole, so `<fullname>-<suffix>` stays a
valid 63-character name and still differs between releases.
*/}}
{{- define "dpm-operator.fullname" -}}
{{- $full := "" }}
{{- if .Values.fullnameOverride }}
{{- $full = .Values.fullnameOverride }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if eq .Release.Name $name }}
{{- $full = .Release.Name }}
{{- else }}
{{- $full = printf "%s-%s" .Release.Name $name }}
{{- end }}
{{- end }}
{{- if gt (len $full) 45 }}
{{- $full = printf "%s-%s" ($full | trunc 36 | trimSuffix "-") ($full | sha256sum | trunc 8) }}
{{- end }}
{{- $full }}
{{- end }}

{{- define "dpm-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels; pass a dict {ctx: ., component: "..."}.
*/}}
{{- define "dpm-operator.labels" -}}
helm.sh/chart: {{ include "dpm-operator.chart" .ctx }}
{{ include "dpm-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: dpm-operator
{{- end }}

{{- define "dpm-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dpm-operator.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "dpm-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dpm-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The label selector of the CpcSubsets this release's operator serves (operator.releaseIsolation); the
chart's CpcSubsets carry this label (selectorLabels), CpcSubsets created by hand must carry it too.
*/}}
{{- define "dpm-operator.cpcSubsetSelector" -}}
app.kubernetes.io/instance={{ .Release.Name }}
{{- end }}

{{/* Leader-election Lease: one per release, so two releases never share a leader. */}}
{{- define "dpm-operator.leaseName" -}}
{{- include "dpm-operator.fullname" . }}
{{- end }}

{{/* Name of cluster-scoped objects: they must also differ between releases in different namespaces. */}}
{{- define "dpm-operator.clusterScopedName" -}}
{{- printf "%s-%s" .Release.Namespace (include "dpm-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "dpm-operator.hmcSecretName" -}}
{{- if .Values.hmc.existingSecret }}
{{- .Values.hmc.existingSecret }}
{{- else }}
{{- printf "%s-hmc" (include "dpm-operator.fullname" .) }}
{{- end }}
{{- end }}

{{/* Whether the chart creates the HMC credentials Secret. */}}
{{- define "dpm-operator.createHmcSecret" -}}
{{- if and (not .Values.hmc.existingSecret) (or .Values.hmc.userid .Values.hmc.password) }}true{{- end }}
{{- end }}

{{- define "dpm-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "dpm-operator.novaTransportSecretName" -}}
{{- if .Values.novaBridge.existingSecret }}
{{- .Values.novaBridge.existingSecret }}
{{- else }}
{{- printf "%s-nova-transport" (include "dpm-operator.fullname" .) }}
{{- end }}
{{- end }}

{{- define "dpm-operator.novaBridgeName" -}}
{{- printf "%s-nova-bridge" (include "dpm-operator.fullname" .) }}
{{- end }}

{{/* Nova hosts served by the bridge: novaBridge.hosts, or every cpcSubsets name. Returns YAML list. */}}
{{- define "dpm-operator.novaHosts" -}}
{{- $hosts := list }}
{{- if .Values.novaBridge.hosts }}
{{- $hosts = .Values.novaBridge.hosts }}
{{- else }}
{{- range .Values.cpcSubsets }}
{{- $hosts = append $hosts .name }}
{{- end }}
{{- end }}
{{- toYaml $hosts }}
{{- end }}

{{/* True when s is an IPv4 or IPv6 literal. */}}
{{- define "dpm-operator.isIP" -}}
{{- if or (regexMatch "^[0-9]{1,3}(\\.[0-9]{1,3}){3}$" .) (regexMatch "^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$" .) }}true{{- end }}
{{- end }}

{{- define "dpm-operator.ipCIDR" -}}
{{- if contains ":" . }}{{ printf "%s/128" . }}{{- else }}{{ printf "%s/32" . }}{{- end }}
{{- end }}

{{/*
A name of at most .max characters: .name itself, or its first characters plus a hash of the whole
(so shortened names still differ). StatefulSet names need max 52 (the controller-revision-hash label).
*/}}
{{- define "dpm-operator.fitName" -}}
{{- if gt (len .name) (int .max) }}
{{- printf "%s-%s" (.name | trunc (sub (int .max) 9 | int) | trimSuffix "-") (.name | sha256sum | trunc 8) }}
{{- else }}
{{- .name }}
{{- end }}
{{- end }}

{{/* The Secret recording the operator's HMC session ids (see templates/secret-hmc-sessions.yaml). */}}
{{- define "dpm-operator.sessionSecretName" -}}
{{ include "dpm-operator.fullname" . }}-hmc-sessions
{{- end }}

{{/*
PromQL label matchers selecting this release's operator metrics as the ServiceMonitor scrapes them
(job = the metrics Service, namespace = the release namespace); metrics.prometheusRule.selector overrides.
*/}}
{{- define "dpm-operator.metricsSelector" -}}
{{- .Values.metrics.prometheusRule.selector | default (printf "job=%q, namespace=%q" (printf "%s-metrics" (include "dpm-operator.fullname" .)) .Release.Namespace) -}}
{{- end }}
