/** Zoho data centres and their accounts (OAuth) and Desk API hosts. */
export const ZOHO_DATA_CENTRES = {
  us: { accountsUrl: 'https://accounts.zoho.com', deskUrl: 'https://desk.zoho.com' },
  eu: { accountsUrl: 'https://accounts.zoho.eu', deskUrl: 'https://desk.zoho.eu' },
  in: { accountsUrl: 'https://accounts.zoho.in', deskUrl: 'https://desk.zoho.in' },
  au: { accountsUrl: 'https://accounts.zoho.com.au', deskUrl: 'https://desk.zoho.com.au' },
  jp: { accountsUrl: 'https://accounts.zoho.jp', deskUrl: 'https://desk.zoho.jp' },
  ca: { accountsUrl: 'https://accounts.zohocloud.ca', deskUrl: 'https://desk.zohocloud.ca' },
  cn: { accountsUrl: 'https://accounts.zoho.com.cn', deskUrl: 'https://desk.zoho.com.cn' },
  sa: { accountsUrl: 'https://accounts.zoho.sa', deskUrl: 'https://desk.zoho.sa' },
  uk: { accountsUrl: 'https://accounts.zoho.uk', deskUrl: 'https://desk.zoho.uk' },
} as const;

export type ZohoDataCentre = keyof typeof ZOHO_DATA_CENTRES;

export const ZOHO_DATA_CENTRE_NAMES = Object.keys(ZOHO_DATA_CENTRES) as [
  ZohoDataCentre,
  ...ZohoDataCentre[],
];

/** Accounts server (token endpoint host) of a data centre. */
export function zohoAccountsUrl(dataCentre: ZohoDataCentre): string {
  return ZOHO_DATA_CENTRES[dataCentre].accountsUrl;
}

/** Desk API base URL of a data centre. */
export function zohoDeskUrl(dataCentre: ZohoDataCentre): string {
  return ZOHO_DATA_CENTRES[dataCentre].deskUrl;
}
