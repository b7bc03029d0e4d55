## p2vfix bootstrap: what both hooks run as -EncodedCommand (keep it small: firstboot-mechanisms.md 4.10).
## Loads the runner from the registry; with none there, disarms its own hook (the disarm tag:
## bootstrap-disarm-setup.ps1 or bootstrap-disarm-service.ps1). Tags: src/firstboot/render-template.ts.
$m = '{{p2vfix:hook}}'
$k = '{{p2vfix:fbKey}}'
$r = Get-ItemProperty -Path $k -Name '{{p2vfix:runnerValue}}' -ErrorAction SilentlyContinue
if ($r -ne $null -and $r.'{{p2vfix:runnerValue}}') {
  Invoke-Expression $r.'{{p2vfix:runnerValue}}'
} else {
  '{{p2vfix:disarm}}'
}
