## p2vfix: finds the new NIC inside the booted VM and sets $nic (Win32_NetworkAdapter): by MAC when
## the plan knows it, else as the only physical adapter that was not in the image before. Polls up to
## a deadline. The first part of the steps that configure the NIC (src/firstboot/steps/find-adapter.ts).
$targetMac = '{{p2vfix:targetMac}}'
$oldDeviceIds = '{{p2vfix:oldDeviceIds}}'
$deadline = (Get-Date).AddSeconds('{{p2vfix:waitSeconds}}')
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
