## p2vfix: Invoke-Wmi, the move-static-ip step's wrapper for Win32_NetworkAdapterConfiguration methods:
## the unsigned return read as [long], retried with a growing pause while the configuration is busy
## (write lock, IP not yet enabled). Codes and sources: src/firstboot/steps/static-ip.ts.
function Invoke-Wmi($what, $call) {
  $pause = 2
  $code = -1
  for ($attempt = 1; $attempt -le 5; $attempt++) {
    try {
      $r = & $call
      if ($r -eq $null) { $code = -1 } else { $code = [long]$r.ReturnValue }
    } catch { $code = -1; Write-Output ($what + ': ' + $_.Exception.Message) }
    if (($code -ne '{{p2vfix:writeLockBusy}}' -and $code -ne '{{p2vfix:ipNotEnabled}}') -or $attempt -eq 5) { break }
    Write-Output ($what + ': ' + $code + ', again in ' + $pause + ' s')
    for ($s = 0; $s -lt $pause; $s++) { Start-Sleep -Seconds 1 }
    $pause = $pause * 2
  }
  Write-Output ($what + ': ' + $code)
  if ($code -ne 0 -and $code -ne 1) { $script:failures = $script:failures + 1 }
}
