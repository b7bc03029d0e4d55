$targetMac = ''
$oldDeviceIds = @()
$deadline = (Get-Date).AddSeconds(3600)
$nic = $null
$why = 'no adapter found'
while ($nic -eq $null) {
  $physical = @(Get-WmiObject -Class Win32_NetworkAdapter -Filter 'PhysicalAdapter=TRUE' | Where-Object { $_.MACAddress })
  if ($targetMac) {
    $hits = @($physical | Where-Object { $_.MACAddress -eq $targetMac })
    $why = 'no physical adapter with MAC ' + $targetMac
  } else {
    $hits = @($physical | Where-Object { $oldDeviceIds -notcontains [string]$_.PNPDeviceID })
    $why = [string]$hits.Count + ' new physical adapters'
  }
  if ($hits.Count -eq 1) { $nic = $hits[0]; break }
  if ((Get-Date) -ge $deadline) { break }
  Start-Sleep -Seconds 5
}
if ($nic -eq $null) {
  Write-Output ('cannot find the new adapter: ' + $why)
  exit 2
}
Write-Output ('adapter: ' + $nic.Name + ' MAC ' + $nic.MACAddress + ' index ' + $nic.Index)

$failures = 0
function Invoke-Wmi($what, $call) {
  $pause = 2
  $code = -1
  for ($attempt = 1; $attempt -le 5; $attempt++) {
    try {
      $r = & $call
      if ($r -eq $null) { $code = -1 } else { $code = [long]$r.ReturnValue }
    } catch { $code = -1; Write-Output ($what + ': ' + $_.Exception.Message) }
    if (($code -ne 2147786788 -and $code -ne 84) -or $attempt -eq 5) { break }
    Write-Output ($what + ': ' + $code + ', again in ' + $pause + ' s')
    for ($s = 0; $s -lt $pause; $s++) { Start-Sleep -Seconds 1 }
    $pause = $pause * 2
  }
  Write-Output ($what + ': ' + $code)
  if ($code -ne 0 -and $code -ne 1) { $script:failures = $script:failures + 1 }
}
$cfg = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)
$ips = [string[]]@('10.20.30.40')
$masks = [string[]]@('255.255.255.0')
Invoke-Wmi ('EnableStatic ' + ($ips -join ',') + ' / ' + ($masks -join ',')) { $cfg.EnableStatic($ips, $masks) }
$gateways = [string[]]@('10.20.30.1')
Invoke-Wmi ('SetGateways ' + ($gateways -join ',')) { $cfg.SetGateways($gateways) }
$dns = [string[]]@('10.20.30.5','10.20.30.6')
Invoke-Wmi ('SetDNSServerSearchOrder ' + ($dns -join ',')) { $cfg.SetDNSServerSearchOrder($dns) }
Invoke-Wmi 'SetDNSDomain corp.example''; Remove-Item C:\ #' { $cfg.SetDNSDomain('corp.example''; Remove-Item C:\ #') }
Invoke-Wmi 'SetDynamicDNSRegistration false false' { $cfg.SetDynamicDNSRegistration($false, $false) }
Invoke-Wmi 'SetTcpipNetbios 0' { $cfg.SetTcpipNetbios(0) }
Invoke-Wmi 'SetWINSServer 10.20.30.5' { $cfg.SetWINSServer('10.20.30.5', '') }
$wantedName = 'it''s ‘‘odd’’ "q" 100% $env:PATH `n $(Get-Date) @'' ''@ {{p2vfix:runner}} ${x} Données 日本 😀'
if ([string]$nic.NetConnectionID -eq $wantedName) { Write-Output ('connection name: ' + $wantedName) } else {
  $oldName = [string]$nic.NetConnectionID
  try {
    $nic.NetConnectionID = $wantedName
    $null = $nic.Put()
    Write-Output ('connection name: ' + $wantedName + ' (was ' + $oldName + ')')
  } catch {
    Write-Output ('connection name ' + $wantedName + ' not set (still held by another adapter?): ' + $_.Exception.Message)
  }
}
$now = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)
Write-Output ('now: ' + (@($now.IPAddress) -join ',') + ' gw ' + (@($now.DefaultIPGateway) -join ',') + ' dns ' + (@($now.DNSServerSearchOrder) -join ','))
if ($failures -gt 0) { exit 1 }
exit 0