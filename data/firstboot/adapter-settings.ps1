## p2vfix step adapter-settings: writes the new NIC driver's standardized advanced keywords (offloads,
## jumbo frames, interrupt moderation) that its Ndi\Params declares, then restarts the adapter.
## Why and sources: src/firstboot/steps/adapter-advanced.ts. Tags: src/firstboot/render-template.ts.
'{{p2vfix:findAdapter}}'
$names = '{{p2vfix:names}}'
$values = '{{p2vfix:values}}'
$classRoot = 'HKLM:\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}'
$classKey = $null
foreach ($k in @(Get-ChildItem -Path $classRoot -ErrorAction SilentlyContinue)) {
  $id = [string](Get-ItemProperty -Path $k.PSPath -Name NetCfgInstanceId -ErrorAction SilentlyContinue).NetCfgInstanceId
  if ($id -and $id -eq [string]$nic.GUID) { $classKey = $k.PSPath; break }
}
if ($classKey -eq $null) {
  Write-Output ('no class key for adapter ' + $nic.GUID)
  exit 2
}
$changed = 0
for ($i = 0; $i -lt $names.Count; $i++) {
  $name = $names[$i]
  if (-not (Test-Path -Path ($classKey + '\Ndi\Params\' + $name))) {
    Write-Output ($name + ': not offered by this driver, left alone')
    continue
  }
  $old = [string](Get-ItemProperty -Path $classKey -Name $name -ErrorAction SilentlyContinue).$name
  $null = New-ItemProperty -Path $classKey -Name $name -Value $values[$i] -PropertyType String -Force
  Write-Output ($name + ': ' + $old + ' -> ' + $values[$i])
  $changed = $changed + 1
}
if ($changed -gt 0 -and '{{p2vfix:restartAdapter}}') {
  $null = $nic.Disable()
  Start-Sleep -Seconds 3
  $r = $nic.Enable()
  Write-Output ('adapter restarted: ' + $r.ReturnValue)
}
exit 0
