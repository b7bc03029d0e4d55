$failures = 0
$dir = $env:P2VFIX_WORKDIR
if (-not $dir) { $dir = Join-Path $env:SystemRoot 'System32\config\systemprofile' }
$log = Join-Path $dir 'int-ip-reset.log'
$out = & netsh.exe winsock reset 2>&1
Write-Output ('netsh winsock reset: ' + (@($out) -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
$out = & netsh.exe int ip reset $log 2>&1
Write-Output ('netsh int ip reset: ' + (@($out) -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
if ($failures -gt 0) { exit 1 }
# The resets apply at the next restart.
exit 3010