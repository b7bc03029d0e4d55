## p2vfix step loader: runs one first-boot step's PowerShell, read from the step's registry key
## ($env:P2VFIX_STEP); started by step-supervisor.ps1 as -EncodedCommand. Tags: src/firstboot/render-template.ts.
$ErrorActionPreference = 'Continue'
try {
  $s = (Get-ItemProperty -Path $env:P2VFIX_STEP -Name '{{p2vfix:scriptValue}}').'{{p2vfix:scriptValue}}'
  Invoke-Expression $s
  if ($LASTEXITCODE) { exit $LASTEXITCODE }
  exit 0
} catch {
  Write-Output ('error: ' + $_)
  exit 1
}
