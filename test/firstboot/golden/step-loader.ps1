$ErrorActionPreference = 'Continue'
try {
  $s = (Get-ItemProperty -Path $env:P2VFIX_STEP -Name Script).Script
  Invoke-Expression $s
  if ($LASTEXITCODE) { exit $LASTEXITCODE }
  exit 0
} catch {
  Write-Output ('error: ' + $_)
  exit 1
}