## p2vfix step supervisor: starts one step (step-loader.ps1 in a nested PowerShell, or cmd.exe on its
## batch file) and records its exit code in the step's result key. See src/firstboot/child-scripts.ts.
$ErrorActionPreference = 'Continue'
$code = 1
try {
  if ($env:P2VFIX_CMD) {
    & (Join-Path $env:SystemRoot 'System32\cmd.exe') /d /c $env:P2VFIX_CMD 2>&1
  } else {
    & (Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe') -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand $env:P2VFIX_LOADER 2>&1
  }
  $code = $LASTEXITCODE
  if ($code -eq $null) { $code = 1 }
} catch {
  Write-Output ('error: ' + $_)
}
$null = New-ItemProperty -Path $env:P2VFIX_RESULT -Name '{{p2vfix:childExitValue}}' -Value ([string]$code) -PropertyType String -Force
exit $code
